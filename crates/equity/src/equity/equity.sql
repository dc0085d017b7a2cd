-- The equity report in one pass: every observation of the period (a decision's days, an outcome, a
-- guarantee request, a person's moves between shelters) with its deciding or responsible district,
-- sex and household with children, aggregated per district and city-wide, per group, with the rank
-- sums the Mann-Whitney test needs. $1 municipality, $2 first day, $3 last day, $4 today.
WITH household_with_children AS (
    SELECT household_id FROM household_children WHERE municipality_code = $1
    UNION
    SELECT household_id FROM people WHERE municipality_code = $1 AND household_role = 'child'
),
person AS MATERIALIZED (
    SELECT p.id, p.sex, p.responsible_district_code AS district, h.household_id IS NOT NULL AS children
      FROM people p LEFT JOIN household_with_children h ON h.household_id = p.household_id
     WHERE p.municipality_code = $1
),
decision AS (
    SELECT d.district_code AS district, d.applied_on, d.decided_on, d.outcome, d.executed_on, d.closed_on,
           (d.decided_on + interval '3 months')::date AS deadline, p.sex, p.children
      FROM decisions d JOIN person p ON p.id = d.person_id
     WHERE d.municipality_code = $1 AND d.district_code IS NOT NULL
       AND (d.applied_on BETWEEN $2 AND $3 OR d.decided_on BETWEEN $2 AND $3 OR d.executed_on BETWEEN $2 AND $3)
),
request AS (
    SELECT g.responsible_district_code AS district, g.outcome, g.placed_outside_municipality, p.sex, p.children
      FROM guarantee_requests g JOIN person p ON p.id = g.person_id
     WHERE g.municipality_code = $1 AND g.night BETWEEN $2 AND $3 AND g.responsible_district_code IS NOT NULL
),
-- Moves between shelters: each person's bed nights of the period in the order they happened (night, then
-- created_at and id for two of one night, as V27 orders them), taken a
-- month at a time. A month the period covers whole is read from its summary (person_month_moves, V27:
-- one row per person and month, kept by trigger), so a quarter costs its person-months, not its ~900k
-- nights. A month covered in part (the period starts after the 1st or ends before the month's last day)
-- is summarised here from just its days in the period, one range scan per such month of
-- bed_assignments_by_month_person (V23). Either way: per person and month, the moves within it and the
-- first and last shelter, to join the months up below.
person_month AS (
    SELECT m.month, m.person_id, m.moves, m.first_shelter, m.last_shelter
      FROM person_month_moves m
     WHERE m.municipality_code = $1
       -- Whole months: starting on or after the first day, ending on or before the last.
       AND m.month >= $2 AND m.month <= ($3 + 1 - interval '1 month')::date
    UNION ALL
    SELECT n.month, n.person_id, count(*) FILTER (WHERE n.before <> n.shelter_id),
           (array_agg(n.shelter_id) FILTER (WHERE n.before IS NULL))[1],
           (array_agg(n.shelter_id) FILTER (WHERE n.after IS NULL))[1]
      FROM (SELECT date_trunc('month', b.night::timestamp)::date AS month, b.person_id, b.shelter_id,
                   lag(b.shelter_id) OVER nights AS before, lead(b.shelter_id) OVER nights AS after
              FROM bed_assignments b
             WHERE b.municipality_code = $1
               -- The months the period covers in part (NULL for an edge that is a whole month).
               AND date_trunc('month', b.night::timestamp)::date = ANY (ARRAY[
                       CASE WHEN $2 > date_trunc('month', $2::timestamp)::date
                              OR $3 < (date_trunc('month', $2::timestamp) + interval '1 month - 1 day')::date
                            THEN date_trunc('month', $2::timestamp)::date END,
                       CASE WHEN $3 < (date_trunc('month', $3::timestamp) + interval '1 month - 1 day')::date
                            THEN date_trunc('month', $3::timestamp)::date END])
               AND b.night BETWEEN $2 AND $3 AND b.status IN ('reserved', 'checked_in', 'checked_out')
            WINDOW nights AS (PARTITION BY date_trunc('month', b.night::timestamp)::date, b.person_id
                              ORDER BY b.night, b.created_at, b.id)) n
     GROUP BY n.month, n.person_id
),
-- A person also moved where a month's first shelter differs from the last of their previous month with
-- nights (a month without nights between them is no gap: the rule counts consecutive bed nights).
moves AS (
    SELECT person_id AS id, (sum(moves) + count(*) FILTER (WHERE first_shelter <> before))::float8 AS moves
      FROM (SELECT person_id, moves, first_shelter,
                   lag(last_shelter) OVER (PARTITION BY person_id ORDER BY month) AS before
              FROM person_month) j
     GROUP BY person_id
),
mover AS (
    SELECT p.district, p.sex, p.children, moves.moves
      FROM moves JOIN person p ON p.id = moves.id
     WHERE p.district IS NOT NULL
),
-- Durations and moves: one row each, for their percentiles and the Mann-Whitney rank sums.
observation AS (
    SELECT 'days_to_decision' AS metric, district, sex, children, (decided_on - applied_on)::float8 AS value
      FROM decision WHERE decided_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'days_to_execution', district, sex, children, (executed_on - decided_on)::float8
      FROM decision WHERE executed_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'moves_per_person', district, sex, children, moves FROM mover
),
-- Each value's count per district and group: a few thousand rows. The percentiles and the rank sums
-- below are computed from these counts, not by sorting the observations once per grouping set.
value_counts AS (
    SELECT metric, district, sex, children, value, count(*) AS n
      FROM observation GROUP BY metric, district, sex, children, value
),
-- The report's groups (per district and city-wide; everyone, by sex, by children), each value's count
-- in each, and the running count up to each value in the group's order (0-based row positions
-- [upto - n, upto) hold that value) with the group's size.
group_values AS (
    SELECT metric, district, sex, children,
           GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
           value, sum(n)::bigint AS n
      FROM value_counts
     GROUP BY GROUPING SETS ((metric, district, value), (metric, value), (metric, district, sex, value),
                             (metric, sex, value), (metric, district, children, value), (metric, children, value))
),
group_positions AS (
    SELECT g.*, sum(n) OVER (PARTITION BY metric, district, sex, children, city, by_sex, by_children
                             ORDER BY value)::bigint AS upto,
           sum(n) OVER (PARTITION BY metric, district, sex, children, city, by_sex, by_children)::bigint AS group_n
      FROM group_values g
),
-- Mid-ranks among the whole city, per partition (everyone, by sex, by children): ties share the mean of
-- their ranks. A city-wide group's running count is the rank of its value's last tie.
mid_rank AS (
    SELECT metric, sex, children, by_sex, by_children, value, upto - (n - 1) / 2.0 AS r
      FROM group_positions WHERE city
),
-- Per group: its size, sum, median and 90th percentile as percentile_cont computes them (the rows at
-- floor and ceil of p·(n − 1), interpolated), and the sum of its observations' mid-ranks.
durations AS (
    SELECT g.metric, g.district, g.sex, g.children, g.city, g.by_sex, g.by_children,
           sum(g.n)::bigint AS n, sum(g.value * g.n) AS total,
           min(g.value) FILTER (WHERE g.upto > floor(0.5::float8 * (g.group_n - 1))) AS median_low,
           min(g.value) FILTER (WHERE g.upto > ceil(0.5::float8 * (g.group_n - 1))) AS median_high,
           min(g.value) FILTER (WHERE g.upto > floor(0.9::float8 * (g.group_n - 1))) AS p90_low,
           min(g.value) FILTER (WHERE g.upto > ceil(0.9::float8 * (g.group_n - 1))) AS p90_high,
           sum(g.n * r.r)::float8 AS rank_sum
      FROM group_positions g
      JOIN mid_rank r ON r.metric = g.metric AND r.value = g.value AND r.by_sex = g.by_sex
       AND r.by_children = g.by_children AND r.sex IS NOT DISTINCT FROM g.sex
       AND r.children IS NOT DISTINCT FROM g.children
     GROUP BY g.metric, g.district, g.sex, g.children, g.city, g.by_sex, g.by_children, g.group_n
),
-- Counts and shares: counted per district, sex and children in one pass over the decisions and one
-- over the requests, then summed into the report's groups.
decision_groups AS (
    SELECT district, sex, children,
           count(*) FILTER (WHERE applied_on BETWEEN $2 AND $3) AS applications,
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3) AS decided,
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3 AND outcome = 'granted') AS granted,
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3 AND outcome = 'partly_granted') AS partly,
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3 AND outcome = 'denied') AS denied,
           -- Granted decisions whose three months have run out: late when neither executed nor closed by then.
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3 AND outcome IN ('granted', 'partly_granted')
                              AND deadline < $4) AS ivo_due,
           count(*) FILTER (WHERE decided_on BETWEEN $2 AND $3 AND outcome IN ('granted', 'partly_granted')
                              AND deadline < $4
                              AND coalesce(least(executed_on, closed_on), 'infinity'::date) > deadline) AS ivo_late
      FROM decision
     GROUP BY district, sex, children
),
decision_counts AS (
    SELECT district, sex, children,
           GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
           sum(applications)::bigint AS applications, sum(decided)::bigint AS decided,
           sum(granted)::bigint AS granted, sum(partly)::bigint AS partly, sum(denied)::bigint AS denied,
           sum(ivo_due)::bigint AS ivo_due, sum(ivo_late)::bigint AS ivo_late
      FROM decision_groups
     GROUP BY GROUPING SETS ((district), (), (district, sex), (sex), (district, children), (children))
),
request_counts AS (
    SELECT district, sex, children,
           GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
           count(*) AS requests,
           count(*) FILTER (WHERE outcome = 'no_suitable_bed') AS breaches,
           count(*) FILTER (WHERE outcome = 'placed') AS placed,
           count(*) FILTER (WHERE outcome = 'placed' AND placed_outside_municipality) AS outside
      FROM request
     GROUP BY GROUPING SETS ((district), (), (district, sex), (sex), (district, children), (children))
)
SELECT d.metric, d.district, d.sex, d.children, d.city, d.by_sex, d.by_children, d.n, d.total,
       d.median_low + (0.5::float8 * (d.n - 1) - floor(0.5::float8 * (d.n - 1))) * (d.median_high - d.median_low)
           AS median,
       d.p90_low + (0.9::float8 * (d.n - 1) - floor(0.9::float8 * (d.n - 1))) * (d.p90_high - d.p90_low) AS p90,
       d.rank_sum
  FROM durations d
UNION ALL
SELECT x.metric, c.district, c.sex, c.children, c.city, c.by_sex, c.by_children, x.n, x.total::float8,
       0::float8, 0::float8, NULL::float8
  FROM decision_counts c
 CROSS JOIN LATERAL (VALUES ('applications', c.applications, c.applications), ('granted_share', c.decided, c.granted),
                            ('partly_granted_share', c.decided, c.partly), ('denied_share', c.decided, c.denied),
                            ('ivo_share', c.ivo_due, c.ivo_late)) x(metric, n, total)
 WHERE x.n > 0
UNION ALL
SELECT x.metric, c.district, c.sex, c.children, c.city, c.by_sex, c.by_children, x.n, x.total::float8,
       0::float8, 0::float8, NULL::float8
  FROM request_counts c
 CROSS JOIN LATERAL (VALUES ('breaches_per_1000_requests', c.requests, c.breaches),
                            ('out_of_municipality_placements', c.placed, c.outside)) x(metric, n, total)
 WHERE x.n > 0

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
-- Each person's nights in order from the index on (person, night): no sort of the period's nights, and
-- the people may be shared among parallel workers.
moves AS (
    SELECT q.id, m.moves
      FROM people q
     CROSS JOIN LATERAL (
           SELECT count(*) AS nights, count(*) FILTER (WHERE s.before <> s.shelter_id)::float8 AS moves
             FROM (SELECT b.shelter_id, lag(b.shelter_id) OVER (ORDER BY b.night) AS before
                     FROM bed_assignments b
                    WHERE b.municipality_code = $1 AND b.person_id = q.id AND b.night BETWEEN $2 AND $3
                      AND b.status IN ('reserved', 'checked_in', 'checked_out')) s) m
     WHERE q.municipality_code = $1 AND q.responsible_district_code IS NOT NULL AND m.nights > 0
),
mover AS (
    SELECT p.district, p.sex, p.children, moves.moves FROM moves JOIN person p ON p.id = moves.id
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
-- Mid-ranks (ties share the mean of their ranks) among the whole city, per partition (everyone, by sex,
-- by children), and each group's rank sum, all from the counts of each value: the observations
-- themselves are sorted only for the percentiles.
value_counts AS (
    SELECT metric, district, sex, children, value, count(*) AS n
      FROM observation GROUP BY metric, district, sex, children, value
),
rank_all AS (
    SELECT metric, value, sum(sum(n)) OVER (PARTITION BY metric ORDER BY value) - (sum(n) - 1) / 2.0 AS r
      FROM value_counts GROUP BY metric, value
),
rank_sex AS (
    SELECT metric, sex, value, sum(sum(n)) OVER (PARTITION BY metric, sex ORDER BY value) - (sum(n) - 1) / 2.0 AS r
      FROM value_counts GROUP BY metric, sex, value
),
rank_children AS (
    SELECT metric, children, value,
           sum(sum(n)) OVER (PARTITION BY metric, children ORDER BY value) - (sum(n) - 1) / 2.0 AS r
      FROM value_counts GROUP BY metric, children, value
),
rank_sums AS (
    SELECT v.metric, v.district, v.sex, v.children,
           GROUPING(v.district) = 1 AS city, GROUPING(v.sex) = 0 AS by_sex, GROUPING(v.children) = 0 AS by_children,
           (CASE WHEN GROUPING(v.sex) = 0 THEN sum(v.n * s.r) WHEN GROUPING(v.children) = 0 THEN sum(v.n * c.r)
                 ELSE sum(v.n * a.r) END)::float8 AS rank_sum
      FROM value_counts v
      JOIN rank_all a ON a.metric = v.metric AND a.value = v.value
      JOIN rank_sex s ON s.metric = v.metric AND s.sex = v.sex AND s.value = v.value
      JOIN rank_children c ON c.metric = v.metric AND c.children = v.children AND c.value = v.value
     GROUP BY GROUPING SETS ((v.metric, v.district), (v.metric), (v.metric, v.district, v.sex), (v.metric, v.sex),
                             (v.metric, v.district, v.children), (v.metric, v.children))
),
durations AS (
    SELECT metric, district, sex, children,
           GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
           count(*) AS n, sum(value) AS total,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY value) AS p90
      FROM observation
     GROUP BY GROUPING SETS ((metric, district), (metric), (metric, district, sex), (metric, sex),
                             (metric, district, children), (metric, children))
),
-- Counts and shares: counted per group in one pass over the decisions and one over the requests.
decision_counts AS (
    SELECT district, sex, children,
           GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
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
SELECT d.metric, d.district, d.sex, d.children, d.city, d.by_sex, d.by_children, d.n, d.total, d.median, d.p90,
       r.rank_sum
  FROM durations d
  JOIN rank_sums r ON r.metric = d.metric AND r.district IS NOT DISTINCT FROM d.district
   AND r.sex IS NOT DISTINCT FROM d.sex AND r.children IS NOT DISTINCT FROM d.children
   AND r.city = d.city AND r.by_sex = d.by_sex AND r.by_children = d.by_children
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

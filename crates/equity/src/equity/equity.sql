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
observation AS (
    SELECT 'applications' AS metric, district, sex, children, 1::float8 AS value
      FROM decision WHERE applied_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'days_to_decision', district, sex, children, (decided_on - applied_on)::float8
      FROM decision WHERE decided_on BETWEEN $2 AND $3
    UNION ALL
    SELECT 'days_to_execution', district, sex, children, (executed_on - decided_on)::float8
      FROM decision WHERE executed_on BETWEEN $2 AND $3
    UNION ALL
    SELECT m.metric, d.district, d.sex, d.children, (d.outcome = m.outcome)::int::float8
      FROM decision d
     CROSS JOIN (VALUES ('granted_share', 'granted'), ('partly_granted_share', 'partly_granted'),
                        ('denied_share', 'denied')) m(metric, outcome)
     WHERE d.decided_on BETWEEN $2 AND $3
    UNION ALL
    -- Granted decisions whose three months have run out: late when neither executed nor closed by then.
    SELECT 'ivo_share', district, sex, children,
           (coalesce(least(executed_on, closed_on), 'infinity'::date) > deadline)::int::float8
      FROM decision
     WHERE decided_on BETWEEN $2 AND $3 AND outcome IN ('granted', 'partly_granted') AND deadline < $4
    UNION ALL
    SELECT 'breaches_per_1000_requests', district, sex, children, (outcome = 'no_suitable_bed')::int::float8
      FROM request
    UNION ALL
    SELECT 'out_of_municipality_placements', district, sex, children, placed_outside_municipality::int::float8
      FROM request WHERE outcome = 'placed'
    UNION ALL
    SELECT 'moves_per_person', district, sex, children, moves FROM mover
),
ranked AS (
    -- Mid-ranks (ties share the mean of their ranks) among the whole city, per group: durations only.
    SELECT metric, district, sex, children, value,
           rank() OVER (PARTITION BY metric ORDER BY value)
               + (count(*) OVER (PARTITION BY metric, value) - 1) / 2.0 AS r_all,
           rank() OVER (PARTITION BY metric, sex ORDER BY value)
               + (count(*) OVER (PARTITION BY metric, sex, value) - 1) / 2.0 AS r_sex,
           rank() OVER (PARTITION BY metric, children ORDER BY value)
               + (count(*) OVER (PARTITION BY metric, children, value) - 1) / 2.0 AS r_children
      FROM observation WHERE metric IN ('days_to_decision', 'days_to_execution', 'moves_per_person')
    UNION ALL
    SELECT metric, district, sex, children, value, NULL, NULL, NULL
      FROM observation WHERE metric NOT IN ('days_to_decision', 'days_to_execution', 'moves_per_person')
)
SELECT metric, district, sex, children,
       GROUPING(district) = 1 AS city, GROUPING(sex) = 0 AS by_sex, GROUPING(children) = 0 AS by_children,
       count(*) AS n, sum(value) AS total,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY value) AS p90,
       (CASE WHEN GROUPING(sex) = 0 THEN sum(r_sex) WHEN GROUPING(children) = 0 THEN sum(r_children)
             ELSE sum(r_all) END)::float8 AS rank_sum
  FROM ranked
 GROUP BY GROUPING SETS ((metric, district), (metric), (metric, district, sex), (metric, sex),
                         (metric, district, children), (metric, children))

-- The IVO report's candidates for a quarter ($3 first day, $4 last day): granted decisions that may have
-- been late during it. $1 municipality, $2 district scope (empty: all), $5 one district or NULL, $6 the
-- granted outcomes. Each branch of `candidate` reads an index of V21, so the quarter costs what it
-- reports, not the history before it (tests/tests/api/performance.rs checks the plan).
-- The branches are disjoint and read the rows whole where the index finds them: a candidate is never
-- looked up again by its key (on the scale-1 bench, 31,765 random reads of decisions: 200 ms).
WITH candidate AS (
    -- Granted decisions neither executed nor closed (decisions_granted_unexecuted).
    SELECT id, person_id, intervention, district_code, outcome, decided_on, executed_on, closed_on, closing_reason,
           delay_reasons, interim_help
      FROM decisions
     WHERE municipality_code = $1 AND outcome IN ('granted', 'partly_granted')
       AND executed_on IS NULL AND closed_on IS NULL AND decided_on <= $4
    UNION ALL
    -- Granted decisions that ended (executed or closed) late, on or after the quarter's first day
    -- (decisions_granted_ended_late): what ended in or after the quarter, not the history before it.
    SELECT id, person_id, intervention, district_code, outcome, decided_on, executed_on, closed_on, closing_reason,
           delay_reasons, interim_help
      FROM decisions
     WHERE municipality_code = $1 AND outcome IN ('granted', 'partly_granted')
       AND LEAST(executed_on, closed_on) >= (decided_on + interval '3 months')::date
       AND LEAST(executed_on, closed_on) >= $3 AND decided_on <= $4
    UNION ALL
    -- Decisions with an interruption not resumed, or resumed on or after the quarter's first day, that
    -- neither branch above holds (those ended: on time, or before the quarter).
    SELECT id, person_id, intervention, district_code, outcome, decided_on, executed_on, closed_on, closing_reason,
           delay_reasons, interim_help
      FROM decisions
     WHERE municipality_code = $1
       AND id IN (SELECT decision_id FROM decision_interruptions
                   WHERE municipality_code = $1 AND resumed_on IS NULL
                  UNION
                  SELECT decision_id FROM decision_interruptions
                   WHERE municipality_code = $1 AND resumed_on >= $3)
       AND (LEAST(executed_on, closed_on) < (decided_on + interval '3 months')::date
            OR LEAST(executed_on, closed_on) < $3))
SELECT d.id, d.person_id, d.intervention, d.district_code, d.decided_on, d.executed_on, d.closed_on, d.closing_reason,
       d.delay_reasons, d.interim_help, p.sex, p.birth_year
  FROM candidate d
  JOIN people p ON p.municipality_code = $1 AND p.id = d.person_id
 WHERE -- Each district committee reports the decisions it made, wherever the person lives now.
       (cardinality($2::text[]) = 0 OR d.district_code = ANY($2))
   AND d.outcome = ANY($6)
   AND d.decided_on <= $4
   AND (d.closed_on IS NULL OR d.closed_on >= $3)
   AND ($5::text IS NULL OR d.district_code = $5)
   -- A superset of the decisions late during the quarter, so that only candidates leave
   -- the database; rules::ivo decides exactly. PostgreSQL clamps month ends as jiff does.
   AND (
       ((d.decided_on + interval '3 months')::date <= $4
        AND COALESCE(LEAST(d.executed_on, d.closed_on), 'infinity'::date) >= $3
        AND COALESCE(LEAST(d.executed_on, d.closed_on), 'infinity'::date) >= (d.decided_on + interval '3 months')::date)
       OR EXISTS (SELECT 1 FROM decision_interruptions i
                   WHERE i.municipality_code = $1 AND i.decision_id = d.id
                     AND (i.interrupted_on + interval '3 months')::date <= $4
                     AND COALESCE(LEAST(i.resumed_on, d.closed_on), 'infinity'::date) >= $3))
 ORDER BY d.decided_on, d.id

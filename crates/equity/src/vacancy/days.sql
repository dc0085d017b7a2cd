-- The days of the period, each apartment's vacant days and each district's waiting people per day.
-- $1 municipality, $2 first day, $3 last day. An apartment is vacant on a day of its first-hand contract
-- when no lease covers it (offered, active or taken over from its start; ended through its last day, the
-- day before `ends_on`: the end day is the first free one, as everywhere else)
-- and it is not marked unavailable, returned or transferred (the status has no history: its present
-- value counts for the whole period). $4: the caller may see protected homes; if not, an apartment whose
-- offered or active lease is a protected home is left out (it shows as out of letting everywhere).
WITH day AS (
    SELECT d::date AS day FROM generate_series($2::date, $3::date, interval '1 day') d
),
vacant AS (
    SELECT a.id, a.address, a.district_code, day.day
      FROM apartments a
      JOIN day ON day.day >= a.first_hand_start AND (a.first_hand_end IS NULL OR day.day < a.first_hand_end)
     WHERE a.municipality_code = $1 AND a.status NOT IN ('unavailable', 'returned_to_landlord', 'transferred')
       AND NOT EXISTS (
           SELECT 1 FROM leases l
            WHERE l.municipality_code = a.municipality_code AND l.apartment_id = a.id AND l.starts_on <= day.day
              AND (l.status <> 'ended' OR l.ends_on IS NULL OR l.ends_on > day.day))
       AND ($4 OR NOT EXISTS (
           SELECT 1 FROM leases pl
            WHERE pl.municipality_code = a.municipality_code AND pl.apartment_id = a.id
              AND pl.status IN ('offered', 'active') AND PROTECTED_HOME))
),
-- Waiting: a granted housing decision (trial, training, Housing First) neither executed nor closed on the
-- day, by the decision's district; or a night in a shelter, by the person's responsible district.
waiting AS (
    SELECT d.district_code AS district, day.day, d.person_id
      FROM decisions d
      JOIN day ON d.decided_on <= day.day AND (d.executed_on IS NULL OR d.executed_on > day.day)
              AND (d.closed_on IS NULL OR d.closed_on > day.day)
     WHERE d.municipality_code = $1 AND d.outcome IN ('granted', 'partly_granted')
       AND d.intervention IN ('trial_apartment', 'training_apartment', 'housing_first')
       AND d.district_code IS NOT NULL AND d.decided_on <= $3
       AND (d.executed_on IS NULL OR d.executed_on > $2) AND (d.closed_on IS NULL OR d.closed_on > $2)
    UNION
    SELECT p.responsible_district_code, b.night, b.person_id
      FROM bed_assignments b
      JOIN people p ON p.municipality_code = b.municipality_code AND p.id = b.person_id
     WHERE b.municipality_code = $1 AND b.night BETWEEN $2 AND $3
       AND b.status IN ('reserved', 'checked_in', 'checked_out') AND p.responsible_district_code IS NOT NULL
)

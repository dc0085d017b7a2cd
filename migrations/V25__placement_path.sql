-- Issue 16: a placement's own cost, measured per statement (pg_stat_statements, 200 concurrent requests):
--
-- 1. place_in_first_free looked at each candidate with a statement of its own (nine on average, most of
--    them full); now one statement finds the candidates that look open and not full, in the caller's
--    order. The rest is as before: each is locked (SKIP LOCKED first, then waiting for the skipped),
--    checked again under the lock, and the bed inserted; the capacity trigger (which counts the rows,
--    so that it is right for a statement of many rows too) still has the last word.
-- 2. Releasing tonight's expired holds before a placement read every reservation of the municipality
--    (the plan the statistics of a fresh night give): an index of the running holds by night and expiry
--    makes it read only the expired ones of that night.

CREATE INDEX bed_assignments_holds_by_night ON bed_assignments (municipality_code, night, hold_until)
    WHERE status = 'reserved';


CREATE OR REPLACE FUNCTION place_in_first_free(p_municipality char(4), p_night date, p_person uuid, p_shelters uuid[],
                                    p_holds timestamptz[], p_by uuid, p_staff text, p_consent boolean)
    RETURNS TABLE (assignment_id uuid, shelter_id uuid, outcome text) LANGUAGE plpgsql AS $$
DECLARE
    skipped integer[] := '{}';
    roomy integer[];
    tries integer[];
    pass integer;
    i integer;
    capacity integer;
    taken integer;
    new_id uuid;
    existing_shelter uuid;
BEGIN
    SELECT b.id, b.shelter_id INTO new_id, existing_shelter FROM bed_assignments b
     WHERE b.municipality_code = p_municipality AND b.person_id = p_person AND b.night = p_night
       AND b.status IN ('reserved', 'checked_in');
    IF FOUND THEN
        RETURN QUERY SELECT new_id, existing_shelter, 'has_bed'::text;
        RETURN;
    END IF;
    INSERT INTO shelter_nights (municipality_code, shelter_id, night, beds_in_service)
    SELECT s.municipality_code, s.id, p_night, s.total_beds FROM shelters s
     WHERE s.municipality_code = p_municipality AND s.id = ANY(p_shelters)
       AND NOT EXISTS (SELECT FROM shelter_nights sn WHERE sn.municipality_code = s.municipality_code
                          AND sn.shelter_id = s.id AND sn.night = p_night)
     ORDER BY s.id
    ON CONFLICT DO NOTHING;
    -- Without a lock first, in one statement: the candidates (by their place in the caller's order)
    -- that look open and not full; a full shelter is passed over without queueing for it.
    SELECT coalesce(array_agg(o.i ORDER BY o.i), '{}') INTO roomy
      FROM unnest(p_shelters) WITH ORDINALITY AS o(id, i)
      JOIN shelter_nights sn ON sn.municipality_code = p_municipality AND sn.shelter_id = o.id AND sn.night = p_night
      JOIN shelters s ON s.municipality_code = sn.municipality_code AND s.id = sn.shelter_id AND s.status = 'open'
      LEFT JOIN shelter_night_counts c
        ON c.municipality_code = sn.municipality_code AND c.night = sn.night AND c.shelter_id = sn.shelter_id
     WHERE coalesce(c.taken, 0)
           < CASE WHEN sn.reported THEN LEAST(sn.beds_in_service, s.total_beds) ELSE s.total_beds END;
    FOR pass IN 1..2 LOOP
        -- The second pass waits for the shelters the first found locked by another placement.
        tries := CASE WHEN pass = 1 THEN roomy ELSE skipped END;
        FOREACH i IN ARRAY tries LOOP
            BEGIN
                IF pass = 1 THEN
                    PERFORM FROM shelter_nights sn
                     WHERE sn.municipality_code = p_municipality AND sn.shelter_id = p_shelters[i] AND sn.night = p_night
                       FOR UPDATE SKIP LOCKED;
                    IF NOT FOUND THEN
                        skipped := skipped || i;
                        CONTINUE;
                    END IF;
                ELSE
                    PERFORM FROM shelter_nights sn
                     WHERE sn.municipality_code = p_municipality AND sn.shelter_id = p_shelters[i] AND sn.night = p_night
                       FOR UPDATE;
                END IF;
                -- Under the lock, as the capacity trigger counts.
                SELECT CASE WHEN sn.reported THEN LEAST(sn.beds_in_service, s.total_beds) ELSE s.total_beds END,
                       coalesce(c.taken, 0)
                  INTO capacity, taken
                  FROM shelter_nights sn
                  JOIN shelters s ON s.municipality_code = sn.municipality_code AND s.id = sn.shelter_id
                  LEFT JOIN shelter_night_counts c
                    ON c.municipality_code = sn.municipality_code AND c.night = sn.night AND c.shelter_id = sn.shelter_id
                 WHERE sn.municipality_code = p_municipality AND sn.shelter_id = p_shelters[i] AND sn.night = p_night
                   AND s.status = 'open';
                IF NOT FOUND OR taken >= capacity THEN
                    RAISE EXCEPTION USING ERRCODE = 'HV001';  -- full after all: let the row go
                END IF;
                INSERT INTO bed_assignments (municipality_code, shelter_id, night, person_id, hold_until, created_by,
                                             created_by_staff, consent_outside_municipality)
                VALUES (p_municipality, p_shelters[i], p_night, p_person, p_holds[i], p_by, p_staff, p_consent)
                ON CONFLICT (municipality_code, person_id, night) WHERE status IN ('reserved', 'checked_in') DO NOTHING
                RETURNING id INTO new_id;
                IF new_id IS NULL THEN
                    -- A concurrent request gave the person a bed meanwhile: that bed is the answer.
                    SELECT b.id, b.shelter_id INTO new_id, existing_shelter FROM bed_assignments b
                     WHERE b.municipality_code = p_municipality AND b.person_id = p_person AND b.night = p_night
                       AND b.status IN ('reserved', 'checked_in');
                    RETURN QUERY SELECT new_id, existing_shelter, 'has_bed'::text;
                    RETURN;
                END IF;
                RETURN QUERY SELECT new_id, p_shelters[i], 'assigned'::text;
                RETURN;
            EXCEPTION WHEN SQLSTATE 'HV001' THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT NULL::uuid, NULL::uuid, 'full'::text;
END;
$$;

-- A shelter's total beds may not fall below, and a shelter may not close over, the beds already given
-- out for a night not yet over (review, 2026-11-24). The night's capacity report already refuses this
-- (shelter_nights_not_below_taken, V4); lowering the shelter's total (the capacity is the lesser of the
-- two since V14) or closing it went around that and left guests sent to beds that no longer exist.
--
-- "Not yet over": the night of yesterday's date too, since a night runs into the next morning (the
-- cut-over hour is the server's setting; the day before today covers any, at the price of holding a
-- shrink back until midnight while last night's guests are still marked in).
--
-- The change and a placement must see each other, under any concurrency: a placement reading the old
-- total while the change counts the beds before that placement commits would overbook. Both take one
-- lock per shelter, a transaction-scoped advisory lock (class 'HVSH' = 1213616968, the key of the
-- shelter): every placement shared (placements do not wait for each other on it) and before the
-- night's row, the change alone. The change waits for the placements under way to commit and counts after them; a placement
-- that comes after waits for the change and reads the new total in a statement of its own. An advisory
-- lock rather than FOR SHARE on the shelter's row: no multixact on a busy shelter's row.
CREATE FUNCTION shelter_lock_key(p_municipality char(4), p_shelter uuid) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT hashtext(p_municipality::text || ':' || p_shelter::text) $$;

CREATE FUNCTION shelters_keep_given_beds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beds integer := CASE WHEN NEW.status = 'open' THEN NEW.total_beds ELSE 0 END;
    beds_before integer := CASE WHEN OLD.status = 'open' THEN OLD.total_beds ELSE 0 END;
    worst record;
BEGIN
    -- Nothing to check unless the beds a night can have go down (a closed shelter's edit is not that).
    IF beds >= beds_before THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(1213616968, shelter_lock_key(NEW.municipality_code, NEW.id));
    SELECT b.night, count(*) AS taken INTO worst FROM bed_assignments b
     WHERE b.municipality_code = NEW.municipality_code AND b.shelter_id = NEW.id
       AND b.night >= (now() AT TIME ZONE 'Europe/Stockholm')::date - 1
       AND b.status IN ('reserved', 'checked_in')
     GROUP BY b.night
    HAVING count(*) > beds
     ORDER BY b.night
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'hemvist: % beds are already given out for the night of %; move or cancel guests first',
            worst.taken, worst.night;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER shelters_keep_given_beds BEFORE UPDATE OF total_beds, status ON shelters
    FOR EACH ROW EXECUTE FUNCTION shelters_keep_given_beds();

-- The capacity trigger: the shelter's lock first, then the night's row, then the capacity read in a
-- statement of its own (a statement that waited for a row lock keeps its snapshot of the rows it
-- joined, so the total read with the lock could be the one from before a change it waited for). A
-- closed shelter gives no beds (a placement that checked the status before a close committed is
-- refused here).
CREATE OR REPLACE FUNCTION bed_assignments_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    capacity integer;
    shelter_status text;
    taken integer;
BEGIN
    IF NEW.status NOT IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(1213616968, shelter_lock_key(NEW.municipality_code, NEW.shelter_id));
    PERFORM FROM shelter_nights n
     WHERE n.municipality_code = NEW.municipality_code AND n.shelter_id = NEW.shelter_id AND n.night = NEW.night
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'hemvist: no capacity is known for that shelter and night';
    END IF;
    SELECT CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END, s.status
      INTO capacity, shelter_status
      FROM shelter_nights n
      JOIN shelters s ON s.municipality_code = n.municipality_code AND s.id = n.shelter_id
     WHERE n.municipality_code = NEW.municipality_code AND n.shelter_id = NEW.shelter_id AND n.night = NEW.night;
    IF shelter_status <> 'open' THEN
        RAISE EXCEPTION 'hemvist: the shelter is closed';
    END IF;
    SELECT count(*) INTO taken FROM bed_assignments
     WHERE municipality_code = NEW.municipality_code AND shelter_id = NEW.shelter_id AND night = NEW.night
       AND status IN ('reserved', 'checked_in') AND id <> NEW.id;
    IF taken >= capacity THEN
        RAISE EXCEPTION 'hemvist: the shelter is full that night';
    END IF;
    RETURN NEW;
END;
$$;

-- The placement function of V25, taking the shelter's lock (shared) before each night's row: skipped
-- like a locked row in the first pass, waited for in the second.
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
                -- The shelter's lock (shared: placements do not wait for each other on it; a change of the
                -- shelter's beds or status takes it alone, V31), then the night's row.
                IF pass = 1 THEN
                    IF NOT pg_try_advisory_xact_lock_shared(1213616968, shelter_lock_key(p_municipality, p_shelters[i])) THEN
                        skipped := skipped || i;
                        CONTINUE;
                    END IF;
                    PERFORM FROM shelter_nights sn
                     WHERE sn.municipality_code = p_municipality AND sn.shelter_id = p_shelters[i] AND sn.night = p_night
                       FOR UPDATE SKIP LOCKED;
                    IF NOT FOUND THEN
                        skipped := skipped || i;
                        CONTINUE;
                    END IF;
                ELSE
                    PERFORM pg_advisory_xact_lock_shared(1213616968, shelter_lock_key(p_municipality, p_shelters[i]));
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


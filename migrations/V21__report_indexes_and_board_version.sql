-- Performance (issue 16): counts per shelter and night kept by triggers, a version the bed board is
-- cached by, a placement in one statement, and indexes made for the reports.

-- 1. Per shelter and night: beds given out (reserved or checked in: what the bed board shows), beds used
-- (also checked out: what occupancy counts), and a version that grows with every change of either, of
-- the night's capacity, or of the shelter. Kept by triggers in the same transaction as the change, so a
-- read never sees a count without its version. A placement already holds the shelter-night row's lock
-- (the capacity trigger), so this row adds no queue of its own.
CREATE TABLE shelter_night_counts (
    municipality_code char(4) NOT NULL,
    night date NOT NULL,
    shelter_id uuid NOT NULL,
    taken integer NOT NULL DEFAULT 0,
    used integer NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (municipality_code, night, shelter_id)
);

-- Changes to shelters (names, eligibility, totals, opening and closing) show on every night's board.
CREATE TABLE bed_board_versions (
    municipality_code char(4) PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION shelter_night_count_add(p_municipality char(4), p_night date, p_shelter uuid, p_taken integer,
                                        p_used integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO shelter_night_counts AS c (municipality_code, night, shelter_id, taken, used, version)
    VALUES (p_municipality, p_night, p_shelter, p_taken, p_used, 1)
    ON CONFLICT (municipality_code, night, shelter_id)
    DO UPDATE SET taken = c.taken + EXCLUDED.taken, used = c.used + EXCLUDED.used, version = c.version + 1;
$$;

CREATE FUNCTION bed_assignments_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM shelter_night_count_add(OLD.municipality_code, OLD.night, OLD.shelter_id,
            -(OLD.status IN ('reserved', 'checked_in'))::integer,
            -(OLD.status IN ('reserved', 'checked_in', 'checked_out'))::integer);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM shelter_night_count_add(NEW.municipality_code, NEW.night, NEW.shelter_id,
            (NEW.status IN ('reserved', 'checked_in'))::integer,
            (NEW.status IN ('reserved', 'checked_in', 'checked_out'))::integer);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER bed_assignments_counted AFTER INSERT OR DELETE OR UPDATE OF status, shelter_id, night
    ON bed_assignments FOR EACH ROW EXECUTE FUNCTION bed_assignments_counted();

CREATE FUNCTION shelter_nights_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM shelter_night_count_add(OLD.municipality_code, OLD.night, OLD.shelter_id, 0, 0);
    ELSE
        PERFORM shelter_night_count_add(NEW.municipality_code, NEW.night, NEW.shelter_id, 0, 0);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER shelter_nights_versioned AFTER INSERT OR UPDATE OR DELETE ON shelter_nights
    FOR EACH ROW EXECUTE FUNCTION shelter_nights_versioned();

CREATE FUNCTION shelters_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bed_board_versions AS v (municipality_code, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.municipality_code ELSE NEW.municipality_code END, 1)
    ON CONFLICT (municipality_code) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER shelters_versioned AFTER INSERT OR UPDATE OR DELETE ON shelters
    FOR EACH ROW EXECUTE FUNCTION shelters_versioned();

INSERT INTO shelter_night_counts (municipality_code, night, shelter_id, taken, used, version)
SELECT municipality_code, night, shelter_id,
       count(*) FILTER (WHERE status IN ('reserved', 'checked_in')),
       count(*) FILTER (WHERE status IN ('reserved', 'checked_in', 'checked_out')), 1
  FROM bed_assignments GROUP BY municipality_code, night, shelter_id;
INSERT INTO shelter_night_counts (municipality_code, night, shelter_id, version)
SELECT municipality_code, night, shelter_id, 1 FROM shelter_nights ON CONFLICT DO NOTHING;
INSERT INTO bed_board_versions (municipality_code, version)
SELECT DISTINCT municipality_code, 1 FROM shelters;

-- 2. A placement in one statement: the first of `p_shelters` (the suitable shelters, best first, as
-- the placement rule orders them) that has a free bed and whose night row this transaction can lock.
-- Rows other placements hold are skipped rather than waited for; only when every candidate with a bed
-- was skipped does it wait for them, in order, so a bed free anywhere is never missed. A row found full
-- once locked is let go at once (its subtransaction is rolled back), so a waiting placement holds no
-- row another waits for, and placements cannot deadlock. The capacity trigger still refuses an
-- overbooking. Answers 'assigned' (the new bed), 'has_bed' (the person's bed that night) or 'full'.
CREATE FUNCTION place_in_first_free(p_municipality char(4), p_night date, p_person uuid, p_shelters uuid[],
                                    p_holds timestamptz[], p_by uuid, p_staff text, p_consent boolean)
    RETURNS TABLE (assignment_id uuid, shelter_id uuid, outcome text) LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(array_length(p_shelters, 1), 0);
    skipped integer[] := '{}';
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
    FOR pass IN 1..2 LOOP
        FOR i IN 1..n LOOP
            CONTINUE WHEN pass = 2 AND NOT (i = ANY(skipped));
            -- Without a lock first: a shelter that is full is passed over without queueing for it.
            SELECT CASE WHEN sn.reported THEN LEAST(sn.beds_in_service, s.total_beds) ELSE s.total_beds END,
                   coalesce(c.taken, 0)
              INTO capacity, taken
              FROM shelter_nights sn
              JOIN shelters s ON s.municipality_code = sn.municipality_code AND s.id = sn.shelter_id
              LEFT JOIN shelter_night_counts c
                ON c.municipality_code = sn.municipality_code AND c.night = sn.night AND c.shelter_id = sn.shelter_id
             WHERE sn.municipality_code = p_municipality AND sn.shelter_id = p_shelters[i] AND sn.night = p_night
               AND s.status = 'open';
            CONTINUE WHEN NOT FOUND OR taken >= capacity;
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

-- 3. Indexes made for the reports.
-- IVO: granted decisions neither executed nor closed, by decision date (few, whatever the history).
CREATE INDEX decisions_granted_unexecuted ON decisions (municipality_code, decided_on)
    WHERE outcome IN ('granted', 'partly_granted') AND executed_on IS NULL AND closed_on IS NULL;
-- IVO: granted decisions that ended (executed or closed) 3 months or more after the decision, by the
-- day they ended: a quarter reads those ending in or after it, not the history before.
CREATE INDEX decisions_granted_ended_late ON decisions (municipality_code, (LEAST(executed_on, closed_on)))
    WHERE outcome IN ('granted', 'partly_granted')
      AND LEAST(executed_on, closed_on) >= (decided_on + interval '3 months')::date;
-- IVO: interruptions not resumed, and by the day they were resumed.
CREATE INDEX decision_interruptions_open ON decision_interruptions (municipality_code, decision_id)
    WHERE resumed_on IS NULL;
CREATE INDEX decision_interruptions_by_resumed ON decision_interruptions (municipality_code, resumed_on, decision_id);
-- The offers of the reported decisions.
CREATE INDEX decision_offers_by_decision ON decision_offers (municipality_code, decision_id);
-- Situations and other per-night readers: bed nights by night, covering who and where, read from the
-- index alone.
CREATE INDEX bed_assignments_by_night_covering ON bed_assignments (municipality_code, night, status)
    INCLUDE (person_id, shelter_id);

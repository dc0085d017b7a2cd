-- Issue 14: deviations (avvikelser) and lex Sarah, and the indexes of the equity, continuity and
-- vacancy reports.

-- A deviation about a person or a unit: what happened, when, who noticed; assessed as lex Sarah or not,
-- investigated and reported to IVO when serious, with the date of each step.
CREATE TABLE deviations (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid,
    -- The unit concerned (a shelter, a district's housing unit), as text: a unit is not always a row.
    unit text CHECK (length(unit) BETWEEN 1 AND 200),
    -- Staff record deviations; guarantee breaches and nights outdoors after asking for help create one.
    source text NOT NULL DEFAULT 'staff'
        CHECK (source IN ('staff', 'guarantee_breach', 'outdoors_after_request')),
    guarantee_request_id uuid,
    what_happened text NOT NULL CHECK (length(what_happened) BETWEEN 1 AND 10000),
    occurred_on date NOT NULL,
    noticed_by text NOT NULL CHECK (length(noticed_by) BETWEEN 1 AND 200),
    recorded_on date NOT NULL DEFAULT (now() AT TIME ZONE 'Europe/Stockholm')::date,
    recorded_by uuid,
    state text NOT NULL DEFAULT 'recorded' CHECK (state IN ('recorded', 'assessed', 'investigated', 'reported_to_ivo')),
    assessment text CHECK (assessment IN ('not_lex_sarah', 'missforhallande', 'pataglig_risk')),
    serious boolean,
    assessed_on date,
    investigated_on date,
    investigation text CHECK (length(investigation) BETWEEN 1 AND 10000),
    reported_to_ivo_on date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people ON DELETE CASCADE,
    FOREIGN KEY (municipality_code, guarantee_request_id) REFERENCES guarantee_requests ON DELETE SET NULL (guarantee_request_id),
    CONSTRAINT deviations_about_someone CHECK (person_id IS NOT NULL OR unit IS NOT NULL),
    CONSTRAINT deviations_assessed CHECK ((state = 'recorded') = (assessed_on IS NULL)
        AND (assessed_on IS NULL) = (assessment IS NULL) AND (assessment IS NULL) = (serious IS NULL)),
    CONSTRAINT deviations_investigated CHECK ((state IN ('investigated', 'reported_to_ivo')) = (investigated_on IS NOT NULL)
        AND (investigated_on IS NULL) = (investigation IS NULL)),
    CONSTRAINT deviations_reported CHECK ((state = 'reported_to_ivo') = (reported_to_ivo_on IS NOT NULL)),
    CONSTRAINT deviations_lex_sarah_investigated CHECK (investigated_on IS NULL OR assessment <> 'not_lex_sarah'),
    CONSTRAINT deviations_ivo_serious CHECK (reported_to_ivo_on IS NULL OR serious),
    CONSTRAINT deviations_steps_in_order CHECK (assessed_on >= occurred_on AND investigated_on >= assessed_on
        AND reported_to_ivo_on >= investigated_on)
);
CREATE INDEX deviations_by_recorded ON deviations (municipality_code, recorded_on DESC, id);
CREATE INDEX deviations_by_person ON deviations (municipality_code, person_id);
CREATE INDEX deviations_open ON deviations (municipality_code, state) WHERE state <> 'reported_to_ivo';
CREATE TRIGGER deviations_entry AFTER INSERT OR UPDATE ON deviations
    FOR EACH ROW WHEN (NEW.person_id IS NOT NULL) EXECUTE FUNCTION people_touch_last_entry('person');

-- A guarantee breach is a deviation, recorded in the same transaction as the breach on every path.
CREATE FUNCTION deviation_on_breach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deviations (municipality_code, person_id, source, guarantee_request_id, what_happened, occurred_on,
                            noticed_by, recorded_on)
    VALUES (NEW.municipality_code, NEW.person_id, 'guarantee_breach', NEW.id,
            'Garantibrott: ingen lämplig sängplats natten ' || NEW.night || ' (registrerat automatiskt)', NEW.night,
            coalesce(NEW.requested_by_staff, 'tak över huvudet-garantin'),
            (now() AT TIME ZONE 'Europe/Stockholm')::date);
    RETURN NEW;
END;
$$;
CREATE TRIGGER guarantee_requests_deviation AFTER INSERT ON guarantee_requests
    FOR EACH ROW WHEN (NEW.outcome = 'no_suitable_bed') EXECUTE FUNCTION deviation_on_breach();

-- A person recorded sleeping outdoors who asked for help (a guarantee request for a night in the 30
-- days up to the first night outdoors) is a deviation too.
CREATE FUNCTION deviation_on_outdoors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM guarantee_requests g
                WHERE g.municipality_code = NEW.municipality_code AND g.person_id = NEW.person_id
                  AND g.night BETWEEN NEW.valid_from - 30 AND NEW.valid_from) THEN
        INSERT INTO deviations (municipality_code, person_id, source, what_happened, occurred_on, noticed_by)
        VALUES (NEW.municipality_code, NEW.person_id, 'outdoors_after_request',
                'Sover ute från ' || NEW.valid_from || ' efter att ha bett om hjälp (registrerat automatiskt)',
                NEW.valid_from, 'bostadsenheten');
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER housing_arrangements_deviation AFTER INSERT ON housing_arrangements
    FOR EACH ROW WHEN (NEW.kind = 'outdoors') EXECUTE FUNCTION deviation_on_outdoors();
CREATE INDEX guarantee_requests_by_person ON guarantee_requests (municipality_code, person_id, night);

-- The equity report reads one period of decisions by each of its dates, and each person's shelter nights
-- in night order straight from an index (no sort of a quarter's nights; index-only with the shelter).
CREATE INDEX decisions_by_applied ON decisions (municipality_code, applied_on);
CREATE INDEX decisions_by_decided ON decisions (municipality_code, decided_on) WHERE decided_on IS NOT NULL;
CREATE INDEX decisions_by_executed ON decisions (municipality_code, executed_on) WHERE executed_on IS NOT NULL;
CREATE INDEX bed_assignments_by_person_night ON bed_assignments (municipality_code, person_id, night)
    INCLUDE (shelter_id) WHERE status IN ('reserved', 'checked_in', 'checked_out');
-- Continuity: the caseworker changes of the last twelve months.
CREATE INDEX caseworker_assignments_by_time ON caseworker_assignments (municipality_code, assigned_at);
-- Vacancy: the leases of an apartment by start.
CREATE INDEX leases_by_apartment ON leases (municipality_code, apartment_id, starts_on);

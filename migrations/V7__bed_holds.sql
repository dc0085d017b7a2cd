-- Holds on beds, released when not collected; requests recorded afterwards; consent for a bed in another
-- municipality on every path.

-- A reservation whose hold expired without a check-in is released by the server's job as not collected
-- (a staff member may still record a no-show by hand). released_at says when a reservation ended
-- without the guest: not collected, no-show or cancelled.
ALTER TABLE bed_assignments DROP CONSTRAINT bed_assignments_status_check;
ALTER TABLE bed_assignments ADD CONSTRAINT bed_assignments_status_check
    CHECK (status IN ('reserved', 'checked_in', 'no_show', 'not_collected', 'checked_out', 'cancelled'));
ALTER TABLE bed_assignments ADD COLUMN released_at timestamptz;
ALTER TABLE bed_assignments ADD CONSTRAINT bed_assignments_not_collected_when
    CHECK (status <> 'not_collected' OR released_at IS NOT NULL);
-- The release job looks for running holds by their end.
CREATE INDEX bed_assignments_running_holds ON bed_assignments (hold_until, municipality_code) WHERE status = 'reserved';

-- A bed in another municipality needs the person's consent, and the flag is the shelter's: a trigger
-- derives the flag on every insert and every move to another shelter, and refuses one without consent.
-- Status changes of rows written before this rule are left alone.
ALTER TABLE bed_assignments ADD COLUMN outside_municipality boolean NOT NULL DEFAULT false;
ALTER TABLE bed_assignments ADD COLUMN consent_outside_municipality boolean NOT NULL DEFAULT false;
UPDATE bed_assignments b SET outside_municipality = s.outside_municipality
  FROM shelters s WHERE s.municipality_code = b.municipality_code AND s.id = b.shelter_id AND s.outside_municipality;
UPDATE bed_assignments b SET consent_outside_municipality = true
 WHERE EXISTS (SELECT FROM guarantee_requests g
                WHERE g.municipality_code = b.municipality_code AND g.assignment_id = b.id
                  AND g.consent_outside_municipality);

CREATE FUNCTION bed_assignments_outside_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT outside_municipality INTO NEW.outside_municipality FROM shelters
     WHERE municipality_code = NEW.municipality_code AND id = NEW.shelter_id;
    NEW.outside_municipality := COALESCE(NEW.outside_municipality, false);
    IF NEW.outside_municipality AND NOT NEW.consent_outside_municipality THEN
        RAISE EXCEPTION 'hemvist: a bed in another municipality needs the person''s consent'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bed_assignments_outside_needs_consent',
                  TABLE = 'bed_assignments', COLUMN = 'consent_outside_municipality';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER bed_assignments_outside_consent
    BEFORE INSERT OR UPDATE OF shelter_id, outside_municipality, consent_outside_municipality ON bed_assignments
    FOR EACH ROW EXECUTE FUNCTION bed_assignments_outside_consent();

-- A request recorded afterwards (its night had passed) states what happened then; a placement then names
-- the shelter and holds no bed now.
ALTER TABLE guarantee_requests ADD COLUMN recorded_afterwards boolean NOT NULL DEFAULT false;
ALTER TABLE guarantee_requests ADD COLUMN recorded_shelter_id uuid;
ALTER TABLE guarantee_requests ADD CONSTRAINT guarantee_requests_recorded_shelter
    FOREIGN KEY (municipality_code, recorded_shelter_id) REFERENCES shelters;
ALTER TABLE guarantee_requests DROP CONSTRAINT guarantee_placed_has_bed;
ALTER TABLE guarantee_requests ADD CONSTRAINT guarantee_placed_has_bed CHECK (
    (outcome = 'placed') = (assignment_id IS NOT NULL OR recorded_shelter_id IS NOT NULL)
    AND (assignment_id IS NULL OR recorded_shelter_id IS NULL)
    AND (recorded_shelter_id IS NULL OR recorded_afterwards)
);

-- The request's outside flag is its bed's (or its recorded shelter's), so guarantee_outside_needs_consent
-- holds on every path.
CREATE FUNCTION guarantee_requests_outside_flag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.assignment_id IS NOT NULL THEN
        SELECT outside_municipality INTO NEW.placed_outside_municipality FROM bed_assignments
         WHERE municipality_code = NEW.municipality_code AND id = NEW.assignment_id;
    ELSIF NEW.recorded_shelter_id IS NOT NULL THEN
        SELECT outside_municipality INTO NEW.placed_outside_municipality FROM shelters
         WHERE municipality_code = NEW.municipality_code AND id = NEW.recorded_shelter_id;
    ELSE
        NEW.placed_outside_municipality := false;
    END IF;
    NEW.placed_outside_municipality := COALESCE(NEW.placed_outside_municipality, false);
    RETURN NEW;
END;
$$;
CREATE TRIGGER guarantee_requests_outside_flag
    BEFORE INSERT OR UPDATE OF assignment_id, recorded_shelter_id, placed_outside_municipality ON guarantee_requests
    FOR EACH ROW EXECUTE FUNCTION guarantee_requests_outside_flag();

-- A shelter that becomes (or stops being) one in another municipality carries its active beds' flags
-- along; the trigger above then refuses the change while a guest holds a bed there without consent.
CREATE FUNCTION shelters_outside_flag_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bed_assignments SET outside_municipality = NEW.outside_municipality
     WHERE municipality_code = NEW.municipality_code AND shelter_id = NEW.id AND status IN ('reserved', 'checked_in');
    RETURN NEW;
END;
$$;
CREATE TRIGGER shelters_outside_flag_follows AFTER UPDATE OF outside_municipality ON shelters
    FOR EACH ROW WHEN (OLD.outside_municipality IS DISTINCT FROM NEW.outside_municipality)
    EXECUTE FUNCTION shelters_outside_flag_follows();

-- The guarantee after the night (issue 10: items 16, 20, 22, 24, 25).

-- 16. The guarantee is reported by the district responsible for the person at the time of the request
-- (the review compared district administrations), so it is kept on the request; where the person stood
-- is a column of its own. `district_code` keeps its old meaning (location, else responsible).
ALTER TABLE guarantee_requests
    ADD COLUMN responsible_district_code text,
    ADD COLUMN location_district_code text;
-- Earlier requests: the responsible district now is the best that is known; the location district was
-- stored when a position was given (it fell back to the responsible district only outside every district).
UPDATE guarantee_requests g SET responsible_district_code = p.responsible_district_code,
       location_district_code = CASE WHEN g.lat IS NOT NULL THEN g.district_code END
  FROM people p WHERE p.municipality_code = g.municipality_code AND p.id = g.person_id;

-- 25c. An unknown home municipality is not a finding that the person does not belong: it needs assessment.
ALTER TABLE guarantee_requests DROP CONSTRAINT guarantee_requests_outcome_check;
ALTER TABLE guarantee_requests ADD CONSTRAINT guarantee_requests_outcome_check
    CHECK (outcome IN ('placed', 'declined_by_person', 'no_suitable_bed', 'not_eligible', 'home_municipality_unknown'));

-- 20. A breach stays open until someone records how it was resolved: who, when, how.
ALTER TABLE guarantee_requests
    ADD COLUMN requested_by_staff text,
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN resolution text
        CHECK (resolution IN ('placed_later', 'emergency_housing', 'declined', 'other')),
    ADD COLUMN resolution_shelter_id uuid,
    ADD COLUMN resolution_note text CHECK (length(resolution_note) BETWEEN 1 AND 2000),
    ADD COLUMN resolved_by uuid,
    ADD COLUMN resolved_by_role text,
    ADD COLUMN resolved_by_staff text,
    ADD CONSTRAINT guarantee_resolution_shelter FOREIGN KEY (municipality_code, resolution_shelter_id) REFERENCES shelters,
    -- Only a breach is resolved, and a resolution is whole.
    ADD CONSTRAINT guarantee_resolution_of_breach CHECK (resolution IS NULL OR outcome = 'no_suitable_bed'),
    ADD CONSTRAINT guarantee_resolution_whole CHECK (
        (resolution IS NULL) = (resolved_at IS NULL) AND (resolution IS NULL) = (resolved_by IS NULL)
        AND (resolution IS NULL) = (resolved_by_role IS NULL)),
    ADD CONSTRAINT guarantee_resolution_placed_has_shelter CHECK (
        (resolution = 'placed_later') = (resolution_shelter_id IS NOT NULL) OR resolution IS NULL),
    ADD CONSTRAINT guarantee_resolution_other_has_note CHECK (resolution IS DISTINCT FROM 'other' OR resolution_note IS NOT NULL);
CREATE INDEX guarantee_requests_open_breaches ON guarantee_requests (municipality_code, requested_at, id)
    WHERE outcome = 'no_suitable_bed' AND resolved_at IS NULL;
CREATE INDEX guarantee_requests_by_time ON guarantee_requests (municipality_code, night, requested_at, id);

-- 22. A protected guest is shown by an alias: a short random code per person, stable, unrelated to the
-- id or the name (a code derived from the id could be recomputed from any list of ids).
ALTER TABLE people ADD COLUMN guest_alias text NOT NULL
    DEFAULT upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 8));
-- Who placed a guest: only that coordinator (token, or the member of staff it speaks for) sees the name.
ALTER TABLE bed_assignments ADD COLUMN created_by uuid, ADD COLUMN created_by_staff text;
-- 24. Night lists are paged by (shelter, placement time, id).
CREATE INDEX bed_assignments_page ON bed_assignments (municipality_code, night, shelter_id, created_at, id);

-- 25a. Until staff report a night, its capacity is the shelter's current total (a changed total counts
-- at once); the stored figure of an unreported night is only a placeholder.
CREATE OR REPLACE FUNCTION bed_assignments_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    capacity integer;
    taken integer;
BEGIN
    IF NEW.status NOT IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    SELECT CASE WHEN n.reported THEN n.beds_in_service ELSE s.total_beds END INTO capacity
      FROM shelter_nights n
      JOIN shelters s ON s.municipality_code = n.municipality_code AND s.id = n.shelter_id
     WHERE n.municipality_code = NEW.municipality_code AND n.shelter_id = NEW.shelter_id AND n.night = NEW.night
       FOR UPDATE OF n;
    IF capacity IS NULL THEN
        RAISE EXCEPTION 'hemvist: no capacity is known for that shelter and night';
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

-- 25b. Reported beds never exceed the shelter's total: in service alone, nor with those out of service.
CREATE FUNCTION shelter_nights_within_total() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total integer;
BEGIN
    IF NOT NEW.reported THEN
        RETURN NEW;
    END IF;
    SELECT total_beds INTO total FROM shelters WHERE municipality_code = NEW.municipality_code AND id = NEW.shelter_id;
    IF NEW.beds_in_service > total THEN
        RAISE EXCEPTION 'beds in service (%) exceed the shelter''s % beds', NEW.beds_in_service, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'beds_in_service';
    END IF;
    IF NEW.beds_in_service + NEW.beds_out_of_service > total THEN
        RAISE EXCEPTION 'beds in and out of service exceed the shelter''s % beds', total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'beds_out_of_service';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER shelter_nights_total BEFORE INSERT OR UPDATE ON shelter_nights
    FOR EACH ROW EXECUTE FUNCTION shelter_nights_within_total();

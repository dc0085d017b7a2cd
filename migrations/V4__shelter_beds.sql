-- Shelters, their nightly capacity, bed assignments and every Tak över huvudet request.

CREATE TABLE shelters (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    operator text NOT NULL CHECK (length(operator) BETWEEN 1 AND 200),
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    -- Null for a shelter the city contracts in another municipality.
    district_code text,
    outside_municipality boolean NOT NULL DEFAULT false,
    accepts_women boolean NOT NULL,
    accepts_men boolean NOT NULL,
    min_age smallint NOT NULL DEFAULT 18 CHECK (min_age BETWEEN 0 AND 120),
    max_age smallint CHECK (max_age BETWEEN 0 AND 120),
    accepts_couples boolean NOT NULL DEFAULT false,
    accepts_pets boolean NOT NULL DEFAULT false,
    accepts_substance_use boolean NOT NULL DEFAULT false,
    wheelchair_accessible boolean NOT NULL DEFAULT false,
    total_beds integer NOT NULL CHECK (total_beds BETWEEN 0 AND 1000),
    opens_at time NOT NULL,
    check_in_deadline time NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    CONSTRAINT shelters_age_range CHECK (max_age IS NULL OR max_age >= min_age),
    CONSTRAINT shelters_district_inside CHECK (outside_municipality OR district_code IS NOT NULL)
);

-- The night's capacity as reported by staff (one row a shelter and night; the report history below).
CREATE TABLE shelter_nights (
    municipality_code char(4) NOT NULL,
    shelter_id uuid NOT NULL,
    night date NOT NULL,
    beds_in_service integer NOT NULL CHECK (beds_in_service BETWEEN 0 AND 1000),
    beds_out_of_service integer NOT NULL DEFAULT 0 CHECK (beds_out_of_service BETWEEN 0 AND 1000),
    out_of_service_reason text CHECK (length(out_of_service_reason) <= 500),
    -- False while the capacity is the shelter's total beds, assumed because staff have not reported yet.
    reported boolean NOT NULL DEFAULT false,
    reported_by uuid,
    reported_at timestamptz,
    PRIMARY KEY (municipality_code, shelter_id, night),
    FOREIGN KEY (municipality_code, shelter_id) REFERENCES shelters,
    CONSTRAINT shelter_nights_reason CHECK (beds_out_of_service = 0 OR out_of_service_reason IS NOT NULL)
);

CREATE TABLE shelter_night_reports (
    municipality_code char(4) NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    shelter_id uuid NOT NULL,
    night date NOT NULL,
    beds_in_service integer NOT NULL,
    beds_out_of_service integer NOT NULL,
    out_of_service_reason text,
    reported_by uuid NOT NULL,
    reported_by_role text NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, shelter_id) REFERENCES shelters
);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemvist_api') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON shelter_night_reports FROM hemvist_api;
    END IF;
END
$$;

CREATE TABLE bed_assignments (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    shelter_id uuid NOT NULL,
    night date NOT NULL,
    person_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'reserved'
        CHECK (status IN ('reserved', 'checked_in', 'no_show', 'checked_out', 'cancelled')),
    -- A reservation not checked in by then is released as a no-show.
    hold_until timestamptz NOT NULL,
    checked_in_at timestamptz,
    checked_out_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, shelter_id) REFERENCES shelters,
    FOREIGN KEY (municipality_code, person_id) REFERENCES people
);
-- A person holds at most one bed a night.
CREATE UNIQUE INDEX bed_assignments_one_bed_per_person ON bed_assignments (municipality_code, person_id, night)
    WHERE status IN ('reserved', 'checked_in');
CREATE INDEX bed_assignments_by_night ON bed_assignments (municipality_code, night, shelter_id, status);

-- A shelter never holds more active assignments for a night than that night's beds in service, under
-- any concurrency: every activation locks the shelter-night row and counts under that lock.
CREATE FUNCTION bed_assignments_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
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
    SELECT beds_in_service INTO capacity FROM shelter_nights
     WHERE municipality_code = NEW.municipality_code AND shelter_id = NEW.shelter_id AND night = NEW.night
       FOR UPDATE;
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
CREATE TRIGGER bed_assignments_capacity BEFORE INSERT OR UPDATE OF status ON bed_assignments
    FOR EACH ROW EXECUTE FUNCTION bed_assignments_within_capacity();

-- Capacity may not be reported below the beds already given out that night.
CREATE FUNCTION shelter_nights_not_below_taken() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    taken integer;
BEGIN
    SELECT count(*) INTO taken FROM bed_assignments
     WHERE municipality_code = NEW.municipality_code AND shelter_id = NEW.shelter_id AND night = NEW.night
       AND status IN ('reserved', 'checked_in');
    IF taken > NEW.beds_in_service THEN
        RAISE EXCEPTION 'hemvist: % beds are already given out that night; move or cancel guests first', taken;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER shelter_nights_capacity BEFORE UPDATE ON shelter_nights
    FOR EACH ROW EXECUTE FUNCTION shelter_nights_not_below_taken();

CREATE TABLE guarantee_requests (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    -- From the Idempotency-Key header: a retried request returns the first answer and never places twice.
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_fingerprint text NOT NULL,
    requested_at timestamptz NOT NULL,
    night date NOT NULL,
    person_id uuid NOT NULL,
    requested_by uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('homelessness_reception', 'social_emergency_service', 'other')),
    lat double precision CHECK (lat BETWEEN -90 AND 90),
    lon double precision CHECK (lon BETWEEN -180 AND 180),
    district_code text,
    needs jsonb NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('placed', 'declined_by_person', 'no_suitable_bed', 'not_eligible')),
    assignment_id uuid,
    placed_outside_municipality boolean NOT NULL DEFAULT false,
    consent_outside_municipality boolean NOT NULL DEFAULT false,
    -- A guarantee breach is escalated; when and to whom is recorded.
    escalated_at timestamptz,
    escalation_note text,
    -- Not belonging to the municipality: an emergency assessment (nödprövning) is made instead.
    emergency_assessment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people,
    FOREIGN KEY (municipality_code, assignment_id) REFERENCES bed_assignments,
    CONSTRAINT guarantee_requests_idempotency UNIQUE (municipality_code, idempotency_key),
    CONSTRAINT guarantee_placed_has_bed CHECK ((outcome = 'placed') = (assignment_id IS NOT NULL)),
    CONSTRAINT guarantee_breach_escalated CHECK (outcome <> 'no_suitable_bed' OR escalated_at IS NOT NULL),
    CONSTRAINT guarantee_outside_needs_consent CHECK (NOT placed_outside_municipality OR consent_outside_municipality)
);
CREATE INDEX guarantee_requests_by_night ON guarantee_requests (municipality_code, night);

-- Shelter nights count as acute homelessness (situation 1).
CREATE OR REPLACE VIEW housing_facts AS
    SELECT municipality_code, person_id, kind, valid_from, valid_to FROM housing_arrangements
    UNION ALL
    SELECT municipality_code, person_id, kind || '_lease', activated_on,
           CASE WHEN status = 'taken_over' THEN taken_over_on WHEN status = 'ended' THEN ends_on END
      FROM leases WHERE activated_on IS NOT NULL
    UNION ALL
    SELECT municipality_code, person_id, 'own_home', taken_over_on, NULL FROM leases WHERE status = 'taken_over'
    UNION ALL
    SELECT municipality_code, person_id, 'emergency_shelter', night, night + 1
      FROM bed_assignments WHERE status IN ('reserved', 'checked_in', 'checked_out');

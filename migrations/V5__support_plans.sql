-- Support plans: versions, visits, and which support workers work with whom. Nothing here refers to
-- a lease in a way that could change it: housing and treatment are separate records (JO 8958-2020).

-- A token may speak for one member of staff (support workers see only the people assigned to them).
ALTER TABLE api_tokens ADD COLUMN staff_id text CHECK (length(staff_id) BETWEEN 1 AND 200);

CREATE TABLE support_assignments (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    staff_id text NOT NULL CHECK (length(staff_id) BETWEEN 1 AND 200),
    assigned_on date NOT NULL,
    ended_on date,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people,
    CONSTRAINT support_assignment_period CHECK (ended_on IS NULL OR ended_on >= assigned_on),
    CONSTRAINT support_assignment_once EXCLUDE USING gist
        (municipality_code WITH =, person_id WITH =, staff_id WITH =, daterange(assigned_on, ended_on) WITH &&)
);
CREATE INDEX support_assignments_current ON support_assignments (municipality_code, staff_id) WHERE ended_on IS NULL;

CREATE TABLE support_plans (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    -- Informational only: a plan outlives the lease, and no write to a plan touches a lease.
    lease_id uuid,
    current_version integer NOT NULL DEFAULT 1,
    closed_on date,
    close_reason text CHECK (length(close_reason) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people,
    CONSTRAINT support_plan_closed_with_reason CHECK ((closed_on IS NULL) = (close_reason IS NULL))
);
CREATE INDEX support_plans_by_person ON support_plans (municipality_code, person_id);

-- Every revision is a new, immutable version; old versions stay readable.
CREATE TABLE support_plan_versions (
    municipality_code char(4) NOT NULL,
    plan_id uuid NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    goals jsonb NOT NULL,
    interventions jsonb NOT NULL,
    participated boolean NOT NULL,
    agreed_on date,
    own_words text CHECK (length(own_words) <= 5000),
    reviewed_on date,
    next_review_on date NOT NULL,
    created_by_staff text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, plan_id, version),
    FOREIGN KEY (municipality_code, plan_id) REFERENCES support_plans
);

CREATE FUNCTION support_plan_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only disposal (gallring) removes versions, when the whole personal file goes.
    IF TG_OP = 'DELETE' AND current_setting('hemvist.gallring', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'hemvist: plan versions are kept as written; revise the plan instead';
END;
$$;
CREATE TRIGGER support_plan_versions_keep BEFORE UPDATE OR DELETE ON support_plan_versions
    FOR EACH ROW EXECUTE FUNCTION support_plan_versions_immutable();

CREATE TABLE support_visits (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    plan_id uuid NOT NULL,
    planned_on date NOT NULL,
    staff_id text NOT NULL CHECK (length(staff_id) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'missed', 'cancelled')),
    note text CHECK (length(note) <= 2000),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, plan_id) REFERENCES support_plans
);
CREATE INDEX support_visits_by_plan ON support_visits (municipality_code, plan_id, planned_on);
CREATE INDEX support_visits_by_staff ON support_visits (municipality_code, staff_id, planned_on);

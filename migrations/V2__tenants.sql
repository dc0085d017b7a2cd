-- People, households, caseworkers, decisions (biståndsbeslut) with interruptions and offers, and
-- recorded housing arrangements for the homelessness-situation count.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE households (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id)
);

CREATE TABLE people (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    identity_kind text NOT NULL
        CHECK (identity_kind IN ('personnummer', 'samordningsnummer', 'reserve_number', 'none')),
    -- Personnummer and samordningsnummer as 12 canonical digits; a reserve number as given.
    identity_number text,
    given_name text NOT NULL CHECK (length(given_name) BETWEEN 1 AND 200),
    family_name text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
    birth_date date,
    sex text NOT NULL CHECK (sex IN ('woman', 'man', 'unknown')),
    protected_identity boolean NOT NULL DEFAULT false,
    home_municipality_code char(4) CHECK (home_municipality_code ~ '^[0-9]{4}$'),
    responsible_district_code text,
    address text CHECK (length(address) <= 500),
    phone text CHECK (length(phone) <= 50),
    email text CHECK (length(email) <= 200),
    household_id uuid,
    household_role text CHECK (household_role IN ('adult', 'child')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Every change of personal data counts as an entry for disposal (gallring) five years on.
    last_entry_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    CONSTRAINT people_identity_number_present CHECK ((identity_kind = 'none') = (identity_number IS NULL)),
    CONSTRAINT people_identity_number_unique UNIQUE (municipality_code, identity_number),
    CONSTRAINT people_household_role CHECK ((household_id IS NULL) = (household_role IS NULL)),
    FOREIGN KEY (municipality_code, household_id) REFERENCES households
);
CREATE INDEX people_name_search ON people USING gin ((given_name || ' ' || family_name) gin_trgm_ops);
CREATE INDEX people_by_name ON people (municipality_code, family_name, given_name, id);

-- Children of a household who are not registered as people of their own.
CREATE TABLE household_children (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    household_id uuid NOT NULL,
    given_name text CHECK (length(given_name) BETWEEN 1 AND 200),
    birth_date date NOT NULL,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, household_id) REFERENCES households ON DELETE CASCADE
);

-- A person keeps the same caseworker as long as possible: the history shows every change.
CREATE TABLE caseworker_assignments (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    caseworker text NOT NULL CHECK (length(caseworker) BETWEEN 1 AND 200),
    assigned_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people ON DELETE CASCADE,
    CONSTRAINT caseworker_one_at_a_time EXCLUDE USING gist
        (municipality_code WITH =, person_id WITH =, tstzrange(assigned_at, ended_at) WITH &&)
);
CREATE INDEX caseworker_current ON caseworker_assignments (municipality_code, caseworker) WHERE ended_at IS NULL;

CREATE TABLE decisions (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    intervention text NOT NULL CHECK (intervention IN
        ('trial_apartment', 'training_apartment', 'housing_first', 'emergency_shelter', 'supported_housing', 'other')),
    -- Legal references are data: SoL 2025:400 replaced SoL 2001:453 and guidance cites both.
    legal_basis text CHECK (length(legal_basis) <= 200),
    district_code text,
    applied_on date NOT NULL,
    decided_on date,
    outcome text CHECK (outcome IN ('granted', 'partly_granted', 'denied')),
    reasons text CHECK (length(reasons) <= 10000),
    appeal_information text CHECK (length(appeal_information) <= 10000),
    child_perspective text CHECK (length(child_perspective) <= 10000),
    executed_on date,
    closed_on date,
    closing_reason text CHECK (length(closing_reason) <= 2000),
    delay_reasons text CHECK (length(delay_reasons) <= 10000),
    interim_help text CHECK (length(interim_help) <= 10000),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people,
    CONSTRAINT decisions_decided_with_outcome CHECK ((decided_on IS NULL) = (outcome IS NULL)),
    CONSTRAINT decisions_decided_after_applied CHECK (decided_on IS NULL OR decided_on >= applied_on),
    CONSTRAINT decisions_only_granted_executed CHECK
        (executed_on IS NULL OR (outcome IN ('granted', 'partly_granted') AND executed_on >= decided_on)),
    CONSTRAINT decisions_closed_with_reason CHECK ((closed_on IS NULL) = (closing_reason IS NULL)),
    CONSTRAINT decisions_closed_after_applied CHECK (closed_on IS NULL OR closed_on >= applied_on)
);
CREATE INDEX decisions_by_person ON decisions (municipality_code, person_id, applied_on);
CREATE INDEX decisions_granted ON decisions (municipality_code, decided_on) WHERE outcome IN ('granted', 'partly_granted');

CREATE TABLE decision_interruptions (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    decision_id uuid NOT NULL,
    interrupted_on date NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    resumed_on date,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, decision_id) REFERENCES decisions ON DELETE CASCADE,
    CONSTRAINT interruption_resumed_after CHECK (resumed_on IS NULL OR resumed_on >= interrupted_on),
    CONSTRAINT interruptions_do_not_overlap EXCLUDE USING gist
        (municipality_code WITH =, decision_id WITH =, daterange(interrupted_on, resumed_on) WITH &&)
);

-- Offers made while a decision waits; declining one does not close the decision.
CREATE TABLE decision_offers (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    decision_id uuid NOT NULL,
    offered_on date NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    response text NOT NULL DEFAULT 'pending' CHECK (response IN ('pending', 'accepted', 'declined')),
    responded_on date,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, decision_id) REFERENCES decisions ON DELETE CASCADE,
    CONSTRAINT offer_response_dated CHECK ((response = 'pending') = (responded_on IS NULL)),
    CONSTRAINT offer_response_after_offer CHECK (responded_on IS NULL OR responded_on >= offered_on)
);

-- Where a person stays, as recorded by staff (leases and shelter nights are added by their own crates).
CREATE TABLE housing_arrangements (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('outdoors', 'emergency_shelter', 'emergency_housing',
        'institution_leaving_without_home', 'supported_housing_leaving_without_home', 'social_contract',
        'own_short_term', 'own_home')),
    valid_from date NOT NULL,
    valid_to date,
    note text CHECK (length(note) <= 2000),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, person_id) REFERENCES people ON DELETE CASCADE,
    CONSTRAINT arrangement_period CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX housing_arrangements_by_person ON housing_arrangements (municipality_code, person_id);

-- Every fact about where people stay, for the homelessness-situation count. Later migrations replace
-- this view to add leases (trial_lease, training_lease, housing_first_lease) and shelter nights.
CREATE VIEW housing_facts AS
    SELECT municipality_code, person_id, kind, valid_from, valid_to FROM housing_arrangements;

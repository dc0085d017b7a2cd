-- Apartments the city rents first-hand and sublets, their leases (trial, training, Bostad Först),
-- follow-ups and the rent ledger.

CREATE TABLE apartments (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    -- The district version the location fell in when registered.
    district_id uuid NOT NULL,
    district_code text NOT NULL,
    rooms double precision NOT NULL CHECK (rooms > 0 AND rooms <= 20),
    area_sqm double precision NOT NULL CHECK (area_sqm > 0 AND area_sqm <= 1000),
    floor smallint NOT NULL CHECK (floor BETWEEN -5 AND 100),
    has_lift boolean NOT NULL,
    wheelchair_accessible boolean NOT NULL,
    monthly_rent_sek integer NOT NULL CHECK (monthly_rent_sek BETWEEN 0 AND 100000),
    landlord text NOT NULL CHECK (length(landlord) BETWEEN 1 AND 200),
    first_hand_contract_ref text CHECK (length(first_hand_contract_ref) <= 100),
    first_hand_start date NOT NULL,
    first_hand_end date,
    status text NOT NULL DEFAULT 'available'
        CHECK (status IN ('available', 'offered', 'let', 'unavailable', 'returned_to_landlord', 'transferred')),
    unavailable_reason text CHECK (length(unavailable_reason) <= 500),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, district_id) REFERENCES districts,
    CONSTRAINT apartments_unavailable_reason CHECK ((status = 'unavailable') = (unavailable_reason IS NOT NULL)),
    CONSTRAINT apartments_first_hand_period CHECK (first_hand_end IS NULL OR first_hand_end > first_hand_start)
);
CREATE INDEX apartments_by_district ON apartments (municipality_code, district_code, status);

-- A lease's tenant is the person of the decision it executes.
ALTER TABLE decisions ADD CONSTRAINT decisions_id_person UNIQUE (municipality_code, id, person_id);

CREATE TABLE leases (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    apartment_id uuid NOT NULL,
    person_id uuid NOT NULL,
    decision_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('trial', 'training', 'housing_first')),
    starts_on date NOT NULL,
    -- Planned end while offered or active (open-ended when absent); the actual end once ended.
    ends_on date,
    status text NOT NULL DEFAULT 'offered' CHECK (status IN ('offered', 'active', 'ended', 'taken_over')),
    -- When the lease became active: the tenant moved in and the decision was executed.
    activated_on date,
    -- When the tenant was told the lease's special conditions.
    special_conditions_told_on date,
    end_reason text CHECK (length(end_reason) <= 2000),
    taken_over_on date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, apartment_id) REFERENCES apartments,
    FOREIGN KEY (municipality_code, person_id) REFERENCES people,
    FOREIGN KEY (municipality_code, decision_id, person_id) REFERENCES decisions (municipality_code, id, person_id),
    -- An offer withdrawn before it began ends on its first day.
    CONSTRAINT leases_period CHECK (ends_on IS NULL OR ends_on > starts_on OR (status = 'ended' AND ends_on = starts_on)),
    CONSTRAINT leases_activated CHECK ((status = 'offered') = (activated_on IS NULL) OR status = 'ended'),
    -- A training apartment is never taken over.
    CONSTRAINT leases_training_never_taken_over CHECK (kind <> 'training' OR status <> 'taken_over'),
    CONSTRAINT leases_taken_over_dated CHECK ((status = 'taken_over') = (taken_over_on IS NOT NULL)),
    CONSTRAINT leases_taken_over_after_start CHECK (taken_over_on IS NULL OR taken_over_on > starts_on),
    CONSTRAINT leases_activated_after_start CHECK (activated_on IS NULL OR activated_on >= starts_on),
    CONSTRAINT leases_ended_with_reason CHECK (status <> 'ended' OR (end_reason IS NOT NULL AND ends_on IS NOT NULL)),
    -- One apartment, one sublet at a time.
    CONSTRAINT leases_one_per_apartment EXCLUDE USING gist
        (municipality_code WITH =, apartment_id WITH =, daterange(starts_on, ends_on) WITH &&)
        WHERE (status IN ('offered', 'active'))
);
CREATE INDEX leases_by_person ON leases (municipality_code, person_id);
-- The planned end of an active lease is only a plan: whatever the periods, one tenant lives there at a time.
CREATE UNIQUE INDEX leases_one_active_per_apartment ON leases (municipality_code, apartment_id) WHERE status = 'active';

CREATE TABLE lease_follow_ups (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    lease_id uuid NOT NULL,
    planned_on date NOT NULL,
    held_on date,
    note text CHECK (length(note) <= 2000),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, lease_id) REFERENCES leases ON DELETE CASCADE
);

-- Rent ledger: charges (one per month) and payments, whole kronor.
CREATE TABLE rent_entries (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    lease_id uuid NOT NULL,
    entry_kind text NOT NULL CHECK (entry_kind IN ('charge', 'payment')),
    amount_sek integer NOT NULL CHECK (amount_sek > 0 AND amount_sek <= 1000000),
    -- Due date of a charge; payment date of a payment.
    entry_date date NOT NULL,
    period text CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, lease_id) REFERENCES leases ON DELETE CASCADE,
    CONSTRAINT rent_charge_has_period CHECK ((entry_kind = 'charge') = (period IS NOT NULL)),
    CONSTRAINT rent_one_charge_per_period UNIQUE (municipality_code, lease_id, period)
);
CREATE INDEX rent_entries_by_lease ON rent_entries (municipality_code, lease_id, entry_date);

-- Notice for arrears and the notification of the social welfare committee.
CREATE TABLE rent_notices (
    municipality_code char(4) NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    lease_id uuid NOT NULL,
    served_on date NOT NULL,
    committee_notified_on date,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, lease_id) REFERENCES leases ON DELETE CASCADE
);

-- Leases count in the homelessness situations (a taken-over lease is the person's own home).
CREATE OR REPLACE VIEW housing_facts AS
    SELECT municipality_code, person_id, kind, valid_from, valid_to FROM housing_arrangements
    UNION ALL
    SELECT municipality_code, person_id, kind || '_lease', activated_on,
           CASE WHEN status = 'taken_over' THEN taken_over_on WHEN status = 'ended' THEN ends_on END
      FROM leases WHERE activated_on IS NOT NULL
    UNION ALL
    SELECT municipality_code, person_id, 'own_home', taken_over_on, NULL FROM leases WHERE status = 'taken_over';

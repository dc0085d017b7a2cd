-- Foundation: municipalities, API tokens, the append-only audit trail, districts.
-- Every table carries municipality_code and leads its primary key with it, so the schema can be
-- distributed by municipality (Citus) later; municipalities itself is reference data.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The API serves as hemvist_api: it neither owns the tables nor is a superuser, so it cannot disable
-- triggers or skip them (session_replication_role), and below it loses UPDATE, DELETE and TRUNCATE on
-- the audit trail. The role is created when the migrating role may create roles; otherwise the server
-- runs as the connecting role and the triggers alone guard the trail.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemvist_api')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        -- LOGIN without a password: usable where the server trusts local connections (the private
        -- cluster); elsewhere give it a password and point the server at it, or it is assumed with SET ROLE.
        CREATE ROLE hemvist_api LOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemvist_api') THEN
        EXECUTE format('GRANT hemvist_api TO %I', current_user);
        GRANT USAGE ON SCHEMA public TO hemvist_api;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hemvist_api;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO hemvist_api;
    END IF;
END
$$;

CREATE TABLE municipalities (
    municipality_code char(4) PRIMARY KEY CHECK (municipality_code ~ '^[0-9]{4}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200)
);
INSERT INTO municipalities (municipality_code, name) VALUES ('0180', 'Stockholm');

CREATE TABLE api_tokens (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role text NOT NULL CONSTRAINT api_tokens_role_known CHECK (role IN
        ('admin', 'housing_officer', 'support_worker', 'shelter_staff', 'night_coordinator', 'integration', 'auditor')),
    district_scope text[] NOT NULL DEFAULT '{}',
    shelter_scope uuid[] NOT NULL DEFAULT '{}',
    -- Only the SHA-256 of the token is kept; the token itself is shown once.
    token_sha256 char(64) NOT NULL CONSTRAINT api_tokens_hash_unique UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (municipality_code, id)
);

CREATE TABLE audit_events (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_token_id uuid,
    actor_role text NOT NULL,
    action text NOT NULL CHECK (action IN ('read', 'list', 'create', 'update', 'delete')),
    resource_type text NOT NULL,
    resource_id uuid,
    person_id uuid,
    request_id text,
    details jsonb NOT NULL DEFAULT 'null',
    PRIMARY KEY (municipality_code, id)
);
CREATE INDEX audit_events_person ON audit_events (municipality_code, person_id, occurred_at) WHERE person_id IS NOT NULL;
CREATE INDEX audit_events_resource ON audit_events (municipality_code, resource_type, resource_id);

-- The trail is append-only whoever connects, owner included: a trigger refuses change and removal.
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hemvist: audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Districts (stadsdelsområden) are date-versioned: a code has at most one version valid on any day.
CREATE TABLE districts (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    valid_from date NOT NULL,
    valid_to date,
    -- GeoJSON Polygon or MultiPolygon in WGS84, validated by the application before it is stored.
    boundary jsonb NOT NULL CHECK (boundary->>'type' IN ('Polygon', 'MultiPolygon')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (municipality_code, id),
    CONSTRAINT districts_valid_period CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT districts_one_version_per_day EXCLUDE USING gist
        (municipality_code WITH =, code WITH =, daterange(valid_from, valid_to) WITH &&)
);

-- Reference data and the audit trail are not the API's to change.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemvist_api') THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON municipalities FROM hemvist_api;
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM hemvist_api;
    END IF;
END
$$;

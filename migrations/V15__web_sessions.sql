-- The staff web app signs people in with a one-time link (`hemvist login-link`, or the admin link the
-- first start prints) that becomes a server-side session behind an HttpOnly cookie. A session carries
-- what an API token carries (role, municipality, unit scope, member of staff), so the pages run as the
-- same Principal through the same unit of work; audit rows name the session id as actor_token_id.
-- Only SHA-256 hashes of link secrets and session tokens are kept. Single sign-on will create sessions
-- the same way (a login link is one way in; `signed_in_with` says which).

CREATE TABLE web_login_links (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    secret_sha256 char(64) NOT NULL CONSTRAINT web_login_links_secret_unique UNIQUE,
    role text NOT NULL CHECK (role IN
        ('admin', 'housing_officer', 'support_worker', 'shelter_staff', 'night_coordinator', 'integration', 'auditor')),
    district_scope text[] NOT NULL DEFAULT '{}',
    shelter_scope uuid[] NOT NULL DEFAULT '{}',
    staff_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- A link signs in once: set when it is used.
    used_at timestamptz,
    PRIMARY KEY (municipality_code, id)
);

CREATE TABLE web_sessions (
    municipality_code char(4) NOT NULL REFERENCES municipalities,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    token_sha256 char(64) NOT NULL CONSTRAINT web_sessions_token_unique UNIQUE,
    role text NOT NULL CHECK (role IN
        ('admin', 'housing_officer', 'support_worker', 'shelter_staff', 'night_coordinator', 'integration', 'auditor')),
    district_scope text[] NOT NULL DEFAULT '{}',
    shelter_scope uuid[] NOT NULL DEFAULT '{}',
    staff_id text,
    signed_in_with text NOT NULL CHECK (signed_in_with IN ('login_link')),
    login_link_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    PRIMARY KEY (municipality_code, id),
    FOREIGN KEY (municipality_code, login_link_id) REFERENCES web_login_links
);

-- Web sessions slide: a session not used for HEMVIST_SESSION_IDLE_MINUTES is closed, and every session
-- closes at its absolute expires_at (HEMVIST_SESSION_MAX_HOURS after sign-in) however busy it is.
-- last_seen_at is moved forward as the session is used (at most about once a minute, so polling pages do
-- not write on every request). The server's cleanup job deletes closed sessions and used or expired
-- sign-in links; the audit trail keeps who signed in when.

ALTER TABLE web_sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();

-- The cleanup's scans and the admin's list of open sessions.
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
CREATE INDEX web_login_links_expiry ON web_login_links (expires_at);
-- Used links are deleted once no session refers to them.
CREATE INDEX web_sessions_login_link ON web_sessions (municipality_code, login_link_id);

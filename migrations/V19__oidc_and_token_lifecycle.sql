-- Single sign-on and a lifecycle for integration tokens (issue 13).
--
-- API tokens already expire (expires_at) and can be revoked (revoked_at); an admin now makes, lists and
-- revokes them through the API and the web app, so each keeps who made it and when it was last used.
-- last_used_at is written at most once a minute per token (the lookup's own statement), never per
-- request. A token is looked up by its unique SHA-256 (api_tokens_hash_unique): an unknown token costs
-- one index probe.
ALTER TABLE api_tokens
    ADD COLUMN last_used_at timestamptz,
    -- The actor id of the admin who made it (a session, a token or a provider's subject); NULL when
    -- made with `hemvist token create`.
    ADD COLUMN created_by uuid;

-- A web session is opened by a one-time link or by signing in at the city's identity provider
-- (OpenID Connect). Such a session ends at the provider's token expiry (or sooner, by the idle and
-- maximum rules), so the provider's groups are read again at the next sign-in.
ALTER TABLE web_sessions DROP CONSTRAINT web_sessions_signed_in_with_check;
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_signed_in_with_check
    CHECK (signed_in_with IN ('login_link', 'oidc'));
ALTER TABLE web_sessions ADD COLUMN oidc_subject text CHECK (length(oidc_subject) BETWEEN 1 AND 500);

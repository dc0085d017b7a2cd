-- Issue 16: the server keeps the callers of opaque tokens it has looked up, and trusts an entry only
-- while its municipality's tokens are unchanged. This counter grows in the same transaction as any
-- change that could change what a token may do (revoked, expired, re-scoped, deleted), so a request
-- that starts after such a change was committed reads a newer counter and looks the token up again.
-- The last-used mark (written at most once a minute per token) is not such a change.
CREATE TABLE api_token_changes (
    municipality_code char(4) PRIMARY KEY REFERENCES municipalities,
    version bigint NOT NULL DEFAULT 0
);

CREATE FUNCTION count_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_token_changes AS c (municipality_code, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.municipality_code ELSE NEW.municipality_code END, 1)
    ON CONFLICT (municipality_code) DO UPDATE SET version = c.version + 1;
    IF TG_OP = 'UPDATE' AND OLD.municipality_code <> NEW.municipality_code THEN
        INSERT INTO api_token_changes AS c (municipality_code, version) VALUES (OLD.municipality_code, 1)
        ON CONFLICT (municipality_code) DO UPDATE SET version = c.version + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_changed AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
    EXECUTE FUNCTION count_token_change();
CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION count_token_change();

-- TRUNCATE has no rows to name: every municipality's tokens count as changed.
CREATE FUNCTION count_all_token_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_token_changes AS c (municipality_code, version) SELECT municipality_code, 1 FROM municipalities
    ON CONFLICT (municipality_code) DO UPDATE SET version = c.version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER api_tokens_truncated AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT
    EXECUTE FUNCTION count_all_token_changes();

-- The token-change mark of V22 becomes a stamp: a random number drawn at every change and compared
-- for equality. A counter can come back to a value it had with other tokens behind it (a failover that
-- loses the last commits, a restore to a point in time), and a server that cached a token under that
-- value would trust it again; a random 64-bit stamp does not repeat. Nobody but the triggers changes it.
CREATE FUNCTION token_change_stamp() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 16))::bit(64)::bigint
$$;

CREATE OR REPLACE FUNCTION count_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_token_changes AS c (municipality_code, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.municipality_code ELSE NEW.municipality_code END, token_change_stamp())
    ON CONFLICT (municipality_code) DO UPDATE SET version = token_change_stamp();
    IF TG_OP = 'UPDATE' AND OLD.municipality_code <> NEW.municipality_code THEN
        INSERT INTO api_token_changes AS c (municipality_code, version) VALUES (OLD.municipality_code, token_change_stamp())
        ON CONFLICT (municipality_code) DO UPDATE SET version = token_change_stamp();
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION count_all_token_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_token_changes AS c (municipality_code, version)
    SELECT municipality_code, token_change_stamp() FROM municipalities
    ON CONFLICT (municipality_code) DO UPDATE SET version = token_change_stamp();
    RETURN NULL;
END $$;

-- A deleted row would read as 0 again: the API role may not delete them.
REVOKE DELETE, TRUNCATE ON api_token_changes FROM hemvist_api;

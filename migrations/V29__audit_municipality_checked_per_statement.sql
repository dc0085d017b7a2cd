-- An audit event's municipality must exist, as before (V1's foreign key), but it is now checked once
-- per statement instead of once per row. A report writes one event per person it shows (9,000 for a
-- quarter's IVO report) in one statement, and the foreign key's per-row check was half of that
-- insert's time. The check keeps what the key gave:
--   * an event naming an unknown municipality is refused (SQLSTATE 23503, as the key refused it);
--   * the municipalities named are locked FOR KEY SHARE, as the key locked them, so a municipality
--     cannot be removed or renumbered while events for it are being written;
--   * a municipality that has events is not removed, renumbered or truncated away.
-- The functions run as the owner (the API may read municipalities but not lock them, as the key's own
-- check could), with a search path that puts pg_temp last: a temporary table of the caller's named
-- `municipalities` must not stand in for the real one.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_municipality_code_fkey;

CREATE FUNCTION audit_events_municipality_known() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    unknown char(4);
BEGIN
    PERFORM 1 FROM municipalities m
     WHERE m.municipality_code IN (SELECT DISTINCT e.municipality_code FROM new_events e)
       FOR KEY SHARE;
    SELECT e.municipality_code INTO unknown FROM new_events e
     WHERE NOT EXISTS (SELECT 1 FROM municipalities m WHERE m.municipality_code = e.municipality_code)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'hemvist: audit event for unknown municipality %', unknown
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_events_municipality_known AFTER INSERT ON audit_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_municipality_known();

CREATE FUNCTION municipalities_keep_audited() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.municipality_code = OLD.municipality_code THEN
        RETURN NEW;
    END IF;
    -- The events are looked for in this statement's snapshot: only under READ COMMITTED is that one
    -- taken now, after every event committed so far (the key looked at the newest rows at any level).
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'hemvist: a municipality is removed or renumbered under READ COMMITTED only'
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    IF EXISTS (SELECT 1 FROM audit_events WHERE municipality_code = OLD.municipality_code) THEN
        RAISE EXCEPTION 'hemvist: municipality % has audit events', OLD.municipality_code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER municipalities_keep_audited BEFORE DELETE OR UPDATE OF municipality_code ON municipalities
    FOR EACH ROW EXECUTE FUNCTION municipalities_keep_audited();

-- TRUNCATE fires no row trigger: it is refused while the trail names any municipality (with the key,
-- the cascade reached the trail, which refuses truncation).
CREATE FUNCTION municipalities_no_truncate_while_audited() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_events) THEN
        RAISE EXCEPTION 'hemvist: municipalities have audit events (TRUNCATE refused)'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER municipalities_no_truncate_while_audited BEFORE TRUNCATE ON municipalities
    FOR EACH STATEMENT EXECUTE FUNCTION municipalities_no_truncate_while_audited();

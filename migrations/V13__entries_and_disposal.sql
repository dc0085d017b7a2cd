-- Every write about a person is an entry in the file, and only the gallring command may dispose.
--
-- 1. Gallring counts five years from people.last_entry_at. Until now only some handlers moved it, so a
--    person with a bed tonight but no other write for five years was disposed of with tonight's
--    reservation. Triggers on every table that holds a person's data move it on every path (guarantee
--    requests, bed assignments and their status changes included), whoever writes.
-- 2. The immutable plan versions could be deleted by anyone who set hemvist.gallring = 'on', the API
--    role included. Now only a role that holds the table owner's rights (the gallring command connects
--    as the owner) may.

-- The trigger's argument says how the row leads to its person: 'person' (a person_id column),
-- 'decision', 'lease' or 'plan' (through that row), 'household' (every member of the household).
CREATE FUNCTION people_touch_last_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    person uuid;
BEGIN
    IF TG_ARGV[0] = 'household' THEN
        UPDATE people SET last_entry_at = now()
         WHERE municipality_code = NEW.municipality_code AND household_id = NEW.household_id AND last_entry_at < now();
        RETURN NULL;
    END IF;
    CASE TG_ARGV[0]
        WHEN 'person' THEN
            person := NEW.person_id;
        WHEN 'decision' THEN
            SELECT person_id INTO person FROM decisions
             WHERE municipality_code = NEW.municipality_code AND id = NEW.decision_id;
        WHEN 'lease' THEN
            SELECT person_id INTO person FROM leases
             WHERE municipality_code = NEW.municipality_code AND id = NEW.lease_id;
        WHEN 'plan' THEN
            SELECT person_id INTO person FROM support_plans
             WHERE municipality_code = NEW.municipality_code AND id = NEW.plan_id;
        ELSE
            RAISE EXCEPTION 'hemvist: people_touch_last_entry does not know %', TG_ARGV[0];
    END CASE;
    -- Never moves the date back; an entry already made in this transaction writes nothing again.
    UPDATE people SET last_entry_at = now()
     WHERE municipality_code = NEW.municipality_code AND id = person AND last_entry_at < now();
    RETURN NULL;
END;
$$;

CREATE TRIGGER bed_assignments_entry AFTER INSERT OR UPDATE ON bed_assignments
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER guarantee_requests_entry AFTER INSERT OR UPDATE ON guarantee_requests
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER decisions_entry AFTER INSERT OR UPDATE ON decisions
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER decision_interruptions_entry AFTER INSERT OR UPDATE ON decision_interruptions
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('decision');
CREATE TRIGGER decision_offers_entry AFTER INSERT OR UPDATE ON decision_offers
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('decision');
CREATE TRIGGER housing_arrangements_entry AFTER INSERT OR UPDATE ON housing_arrangements
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER caseworker_assignments_entry AFTER INSERT OR UPDATE ON caseworker_assignments
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER household_children_entry AFTER INSERT OR UPDATE ON household_children
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('household');
CREATE TRIGGER leases_entry AFTER INSERT OR UPDATE ON leases
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER lease_follow_ups_entry AFTER INSERT OR UPDATE ON lease_follow_ups
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('lease');
CREATE TRIGGER rent_entries_entry AFTER INSERT OR UPDATE ON rent_entries
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('lease');
CREATE TRIGGER rent_notices_entry AFTER INSERT OR UPDATE ON rent_notices
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('lease');
CREATE TRIGGER support_assignments_entry AFTER INSERT OR UPDATE ON support_assignments
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER support_plans_entry AFTER INSERT OR UPDATE ON support_plans
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('person');
CREATE TRIGGER support_plan_versions_entry AFTER INSERT ON support_plan_versions
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('plan');
CREATE TRIGGER support_visits_entry AFTER INSERT OR UPDATE ON support_visits
    FOR EACH ROW EXECUTE FUNCTION people_touch_last_entry('plan');

-- Files written to before this migration: their shelter nights, requests and other dated writes count.
UPDATE people p SET last_entry_at = e.at
  FROM (SELECT municipality_code, person_id, least(max(at), now()) AS at FROM (
            SELECT municipality_code, person_id, greatest(created_at, updated_at) AS at FROM bed_assignments
            UNION ALL
            SELECT municipality_code, person_id, created_at FROM guarantee_requests
            UNION ALL
            SELECT municipality_code, person_id, updated_at FROM decisions
            UNION ALL
            SELECT municipality_code, person_id, updated_at FROM leases
            UNION ALL
            SELECT municipality_code, person_id, greatest(assigned_at, ended_at) FROM caseworker_assignments
            UNION ALL
            SELECT municipality_code, person_id, created_at FROM support_plans
            UNION ALL
            SELECT v.municipality_code, pl.person_id, v.created_at FROM support_plan_versions v
              JOIN support_plans pl ON pl.municipality_code = v.municipality_code AND pl.id = v.plan_id
            UNION ALL
            SELECT v.municipality_code, pl.person_id, v.updated_at FROM support_visits v
              JOIN support_plans pl ON pl.municipality_code = v.municipality_code AND pl.id = v.plan_id
            UNION ALL
            SELECT r.municipality_code, l.person_id, r.created_at FROM rent_entries r
              JOIN leases l ON l.municipality_code = r.municipality_code AND l.id = r.lease_id
        ) entries GROUP BY municipality_code, person_id) e
 WHERE p.municipality_code = e.municipality_code AND p.id = e.person_id AND e.at > p.last_entry_at;

-- Disposal of plan versions: the switch alone is not enough, the role must hold the owner's rights.
-- The API role (hemvist_api) is not a member of the owner, so it is refused even with the switch on.
CREATE OR REPLACE FUNCTION support_plan_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('hemvist.gallring', true) = 'on' THEN
        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'hemvist: only the gallring command may dispose of plan versions (not %)', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'hemvist: plan versions are kept as written; revise the plan instead';
END;
$$;

-- A guest's protection as it was when the bed was given or the request made (review, 2026-11-24). Lists
-- show a guest by an alias when they share a protected home *now* (tenants::people::repo,
-- shares_protected_home); a family member who later leaves the protected person's household would then
-- appear by name on the nights they spent beside them, and where the protected person slept could be
-- derived. The rule at the time is kept with the row, and a guest is shown by an alias when either holds.
-- The same rule as shares_protected_home: protected, or in a household with a protected member.
ALTER TABLE bed_assignments ADD COLUMN guest_protected_home boolean NOT NULL DEFAULT false;
ALTER TABLE guarantee_requests ADD COLUMN guest_protected_home boolean NOT NULL DEFAULT false;

-- The rule of tenants::people::repo::shares_protected_home, for one person (the trigger and the backfill
-- below; the Rust fragment stays inline in its queries, where the planner sees through it).
CREATE FUNCTION person_shares_protected_home(p_municipality char(4), p_person uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM people p
         WHERE p.municipality_code = p_municipality AND p.id = p_person
           AND (p.protected_identity
                OR EXISTS (SELECT 1 FROM people hm WHERE hm.municipality_code = p.municipality_code
                              AND hm.household_id = p.household_id AND hm.protected_identity)))
$$;

CREATE FUNCTION guest_protected_home_as_of_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.guest_protected_home := person_shares_protected_home(NEW.municipality_code, NEW.person_id);
    RETURN NEW;
END;
$$;

CREATE TRIGGER bed_assignments_guest_protected_home BEFORE INSERT ON bed_assignments
    FOR EACH ROW EXECUTE FUNCTION guest_protected_home_as_of_now();
CREATE TRIGGER guarantee_requests_guest_protected_home BEFORE INSERT ON guarantee_requests
    FOR EACH ROW EXECUTE FUNCTION guest_protected_home_as_of_now();

-- Rows written before: the guests protected now (what the lists showed them as until today). Found from
-- the people side, by the bed nights' index by person, not by a scan of every bed night. Setting the flag
-- is no entry in anyone's file: the entry triggers (V13) would move the protected guests' last entry to
-- today and restart their gallring clock, so they are off for this statement.
ALTER TABLE bed_assignments DISABLE TRIGGER bed_assignments_entry;
ALTER TABLE guarantee_requests DISABLE TRIGGER guarantee_requests_entry;
WITH protected_home AS (
    SELECT p.municipality_code, p.id FROM people p WHERE person_shares_protected_home(p.municipality_code, p.id)
), beds AS (
    UPDATE bed_assignments b SET guest_protected_home = true
      FROM protected_home h
     WHERE b.municipality_code = h.municipality_code AND b.person_id = h.id
)
UPDATE guarantee_requests g SET guest_protected_home = true
  FROM protected_home h
 WHERE g.municipality_code = h.municipality_code AND g.person_id = h.id;
ALTER TABLE bed_assignments ENABLE TRIGGER bed_assignments_entry;
ALTER TABLE guarantee_requests ENABLE TRIGGER guarantee_requests_entry;

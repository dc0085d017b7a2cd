-- Inner secrecy reads (OSL 26 kap.): every read of leases and apartments asks whether a tenant shares a
-- protected home (protected themselves or a household member is) and whether an apartment is someone's
-- home; these indexes answer both per row without scanning people or leases.
CREATE INDEX people_protected_by_household ON people (municipality_code, household_id)
    WHERE protected_identity AND household_id IS NOT NULL;
CREATE INDEX leases_home_of_apartment ON leases (municipality_code, apartment_id, person_id)
    WHERE status IN ('offered', 'active', 'taken_over');

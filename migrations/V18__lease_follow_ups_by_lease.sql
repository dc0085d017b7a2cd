-- A lease's follow-ups, and its next one not yet held, are read by lease: for the lease itself, the
-- takeover rule and the housing officer's list of leases to follow up.
CREATE INDEX lease_follow_ups_by_lease ON lease_follow_ups (municipality_code, lease_id, planned_on);

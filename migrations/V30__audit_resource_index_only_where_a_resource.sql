-- The audit trail's index by resource answers "what was done to this lease, this decision, this
-- session": it needs the events that name a resource. A report or a list names none (its people are
-- in the person index, one event each), and those events were most of the index and a quarter of a
-- report's insert. Only events naming a resource are indexed by it now; a lookup by resource type
-- states `resource_id IS NOT NULL` to use it. (Built once, blocking writes to the trail meanwhile:
-- seconds for a few million events.)
DROP INDEX audit_events_resource;
CREATE INDEX audit_events_resource ON audit_events (municipality_code, resource_type, resource_id)
    WHERE resource_id IS NOT NULL;

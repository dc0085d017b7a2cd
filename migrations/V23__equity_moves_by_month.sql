-- The equity report's moves between shelters: a period's bed nights month by month, each month in
-- (person, night) order with the shelter, read from the index alone. Two counted rows of one night
-- (checked out of one shelter, then placed in another) are in the order they were made: created_at, then
-- id (as V27 orders them). A report pays for the months it
-- asks about, not for the history or the number of people, and needs no sort of its nights.
CREATE INDEX bed_assignments_by_month_person
    ON bed_assignments (municipality_code, (date_trunc('month', night::timestamp)::date), person_id, night,
                        created_at, id)
    INCLUDE (shelter_id) WHERE status IN ('reserved', 'checked_in', 'checked_out');

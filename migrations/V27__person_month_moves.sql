-- The equity report's moves between shelters, summarised per person and month, so a report over whole
-- months reads one row per person-month instead of every bed night (a quarter: ~30k rows, not ~900k).
-- Kept by a trigger in the same transaction as the bed nights; the report reads bed_assignments itself
-- only for the days of a month the period covers in part. Whoever loads bed_assignments with its
-- triggers off fills this table afterwards, as the bench seed does (crates/bench/src/seed.rs).
--
-- A person's counted nights (reserved, checked in or out) are taken in the order they happened: by
-- night, and two counted rows of one night (checked out of one shelter, then placed in another) in the
-- order they were made (created_at, then id). The report orders the days it reads itself the same way.
CREATE TABLE person_month_moves (
    municipality_code char(4) NOT NULL,
    person_id uuid NOT NULL,
    -- The month's first day.
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    nights integer NOT NULL CHECK (nights > 0),
    -- Changes of shelter between consecutive nights within the month (not counting the one into it).
    moves integer NOT NULL CHECK (moves >= 0),
    first_night date NOT NULL,
    first_shelter uuid NOT NULL,
    last_night date NOT NULL,
    last_shelter uuid NOT NULL,
    PRIMARY KEY (municipality_code, month, person_id)
);

-- One person-month recomputed from its bed nights (at most 31 rows, by bed_assignments_by_person_night),
-- the row deleted when none are left. Its row is locked before the nights are read, by a statement of
-- their own: two transactions changing one person's month take turns, and the second reads the first's
-- nights once it has committed, so neither writes a sum the other's change is missing from. A month
-- without a row yet is inserted; if another transaction inserted it meanwhile, the insert waits for it
-- and the row is then locked and read again.
CREATE FUNCTION person_month_moves_recompute(p_municipality char(4), p_person uuid, p_month date)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    summary person_month_moves%ROWTYPE;
    locked boolean;
BEGIN
    LOOP
        PERFORM FROM person_month_moves
         WHERE municipality_code = p_municipality AND month = p_month AND person_id = p_person FOR UPDATE;
        locked := FOUND;
        SELECT p_municipality, p_person, p_month, count(*), count(*) FILTER (WHERE n.before <> n.shelter_id),
               min(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.before IS NULL))[1],
               max(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.after IS NULL))[1]
          INTO summary
          FROM (SELECT b.night, b.shelter_id, lag(b.shelter_id) OVER nights AS before,
                       lead(b.shelter_id) OVER nights AS after
                  FROM bed_assignments b
                 WHERE b.municipality_code = p_municipality AND b.person_id = p_person
                   AND b.night >= p_month AND b.night < (p_month + interval '1 month')::date
                   AND b.status IN ('reserved', 'checked_in', 'checked_out')
                WINDOW nights AS (ORDER BY b.night, b.created_at, b.id)) n;
        IF locked AND summary.nights = 0 THEN
            DELETE FROM person_month_moves
             WHERE municipality_code = p_municipality AND month = p_month AND person_id = p_person;
        ELSIF locked THEN
            UPDATE person_month_moves
               SET nights = summary.nights, moves = summary.moves, first_night = summary.first_night,
                   first_shelter = summary.first_shelter, last_night = summary.last_night,
                   last_shelter = summary.last_shelter
             WHERE municipality_code = p_municipality AND month = p_month AND person_id = p_person;
        ELSIF summary.nights > 0 THEN
            INSERT INTO person_month_moves VALUES (summary.*) ON CONFLICT DO NOTHING;
            CONTINUE WHEN NOT FOUND;
        END IF;
        RETURN;
    END LOOP;
END;
$$;

-- The person-months a change of a bed night touches: the old one if the old row counted, the new one if
-- the new row counts (once when they are the same).
CREATE FUNCTION bed_assignments_person_month_moves() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_month date;
    new_month date;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN ('reserved', 'checked_in', 'checked_out') THEN
        old_month := date_trunc('month', OLD.night::timestamp)::date;
        PERFORM person_month_moves_recompute(OLD.municipality_code, OLD.person_id, old_month);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ('reserved', 'checked_in', 'checked_out') THEN
        new_month := date_trunc('month', NEW.night::timestamp)::date;
        IF old_month IS NULL THEN
            PERFORM person_month_moves_recompute(NEW.municipality_code, NEW.person_id, new_month);
        ELSIF (OLD.municipality_code, OLD.person_id, old_month) <> (NEW.municipality_code, NEW.person_id, new_month) THEN
            PERFORM person_month_moves_recompute(NEW.municipality_code, NEW.person_id, new_month);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
-- Only changes that can alter a summary: a row that starts or stops counting, or a counted row that
-- changes shelter, night or person. A check-in or check-out (counted before and after) costs nothing.
CREATE TRIGGER bed_assignments_person_month_moves_insert AFTER INSERT ON bed_assignments
    FOR EACH ROW WHEN (NEW.status IN ('reserved', 'checked_in', 'checked_out'))
    EXECUTE FUNCTION bed_assignments_person_month_moves();
CREATE TRIGGER bed_assignments_person_month_moves_update
    AFTER UPDATE OF status, shelter_id, night, person_id ON bed_assignments FOR EACH ROW
    WHEN ((OLD.status IN ('reserved', 'checked_in', 'checked_out')) <> (NEW.status IN ('reserved', 'checked_in', 'checked_out'))
          OR (NEW.status IN ('reserved', 'checked_in', 'checked_out')
              AND (OLD.shelter_id, OLD.night, OLD.person_id) IS DISTINCT FROM (NEW.shelter_id, NEW.night, NEW.person_id)))
    EXECUTE FUNCTION bed_assignments_person_month_moves();
CREATE TRIGGER bed_assignments_person_month_moves_delete AFTER DELETE ON bed_assignments
    FOR EACH ROW WHEN (OLD.status IN ('reserved', 'checked_in', 'checked_out'))
    EXECUTE FUNCTION bed_assignments_person_month_moves();

-- The history so far, in one pass.
INSERT INTO person_month_moves (municipality_code, person_id, month, nights, moves, first_night, first_shelter,
                                last_night, last_shelter)
SELECT n.municipality_code, n.person_id, n.month, count(*), count(*) FILTER (WHERE n.before <> n.shelter_id),
       min(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.before IS NULL))[1],
       max(n.night), (array_agg(n.shelter_id) FILTER (WHERE n.after IS NULL))[1]
  FROM (SELECT b.municipality_code, b.person_id, date_trunc('month', b.night::timestamp)::date AS month, b.night,
               b.shelter_id, lag(b.shelter_id) OVER nights AS before, lead(b.shelter_id) OVER nights AS after
          FROM bed_assignments b
         WHERE b.status IN ('reserved', 'checked_in', 'checked_out')
        WINDOW nights AS (PARTITION BY b.municipality_code, b.person_id, date_trunc('month', b.night::timestamp)::date
                          ORDER BY b.night, b.created_at, b.id)) n
 GROUP BY n.municipality_code, n.person_id, n.month;

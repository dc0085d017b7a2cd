-- A shelter's total beds may not fall below, and a shelter may not close over, the beds already given
-- out for a night not yet over (review, 2026-11-24). The night's capacity report already refuses this
-- (shelter_nights_not_below_taken, V4); lowering the shelter's total (the capacity is the lesser of the
-- two since V14) or closing it went around that and left guests sent to beds that no longer exist.
--
-- "Not yet over": the night of yesterday's date too, since a night runs into the next morning (the
-- cut-over hour is the server's setting; the day before today covers any). The nights' rows are
-- locked first, as a placement and the capacity trigger lock them, so that a placement committing
-- meanwhile is counted.
CREATE FUNCTION shelters_keep_given_beds() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    beds integer := CASE WHEN NEW.status = 'open' THEN NEW.total_beds ELSE 0 END;
    worst record;
BEGIN
    IF beds >= OLD.total_beds AND NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    PERFORM FROM shelter_nights n
      WHERE n.municipality_code = NEW.municipality_code AND n.shelter_id = NEW.id
        AND n.night >= (now() AT TIME ZONE 'Europe/Stockholm')::date - 1
      ORDER BY n.night
        FOR UPDATE;
    SELECT b.night, count(*) AS taken INTO worst FROM bed_assignments b
     WHERE b.municipality_code = NEW.municipality_code AND b.shelter_id = NEW.id
       AND b.night >= (now() AT TIME ZONE 'Europe/Stockholm')::date - 1
       AND b.status IN ('reserved', 'checked_in')
     GROUP BY b.night
    HAVING count(*) > beds
     ORDER BY b.night
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'hemvist: % beds are already given out for the night of %; move or cancel guests first',
            worst.taken, worst.night;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER shelters_keep_given_beds BEFORE UPDATE OF total_beds, status ON shelters
    FOR EACH ROW EXECUTE FUNCTION shelters_keep_given_beds();

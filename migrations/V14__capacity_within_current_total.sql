-- A reported night never has more beds than the shelter has now: when the total is lowered after
-- staff reported a night, the night's capacity is the new total (review of issue 10 item 25).
CREATE OR REPLACE FUNCTION bed_assignments_within_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    capacity integer;
    taken integer;
BEGIN
    IF NEW.status NOT IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IN ('reserved', 'checked_in') THEN
        RETURN NEW;
    END IF;
    SELECT CASE WHEN n.reported THEN LEAST(n.beds_in_service, s.total_beds) ELSE s.total_beds END INTO capacity
      FROM shelter_nights n
      JOIN shelters s ON s.municipality_code = n.municipality_code AND s.id = n.shelter_id
     WHERE n.municipality_code = NEW.municipality_code AND n.shelter_id = NEW.shelter_id AND n.night = NEW.night
       FOR UPDATE OF n;
    IF capacity IS NULL THEN
        RAISE EXCEPTION 'hemvist: no capacity is known for that shelter and night';
    END IF;
    SELECT count(*) INTO taken FROM bed_assignments
     WHERE municipality_code = NEW.municipality_code AND shelter_id = NEW.shelter_id AND night = NEW.night
       AND status IN ('reserved', 'checked_in') AND id <> NEW.id;
    IF taken >= capacity THEN
        RAISE EXCEPTION 'hemvist: the shelter is full that night';
    END IF;
    RETURN NEW;
END;
$$;

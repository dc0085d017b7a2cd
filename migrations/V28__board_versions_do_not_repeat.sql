-- The bed board's version (V21: the municipality's shelter version plus the night's per-shelter
-- versions) is what a process's snapshot of the board is kept by. Grown by one at a time, a version
-- could come back to a value it had with another board behind it (a failover that loses the last
-- commits, a restore, a deleted shelter's nights leaving the sum), and a process holding a snapshot of
-- that value would serve it again. Each change now adds one and a random number below 2^30: versions
-- still only grow, and a sum that repeats is as unlikely as a guessed 30-bit number per change. (Found
-- in review of the token cache, which has the same shape: V26.)
CREATE FUNCTION board_version_step() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT 1 + floor(random() * 1073741824)::bigint
$$;

CREATE OR REPLACE FUNCTION shelter_night_count_add(p_municipality char(4), p_night date, p_shelter uuid,
                                                   p_taken integer, p_used integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO shelter_night_counts AS c (municipality_code, night, shelter_id, taken, used, version)
    VALUES (p_municipality, p_night, p_shelter, p_taken, p_used, board_version_step())
    ON CONFLICT (municipality_code, night, shelter_id)
    DO UPDATE SET taken = c.taken + EXCLUDED.taken, used = c.used + EXCLUDED.used,
                  version = c.version + board_version_step();
$$;

CREATE OR REPLACE FUNCTION shelters_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bed_board_versions AS v (municipality_code, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.municipality_code ELSE NEW.municipality_code END,
            board_version_step())
    ON CONFLICT (municipality_code) DO UPDATE SET version = v.version + board_version_step();
    RETURN NULL;
END;
$$;

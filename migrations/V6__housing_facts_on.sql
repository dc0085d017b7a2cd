-- Where people stay on a given day, for the homelessness-situation count. One function instead of the
-- housing_facts view, so that each source filters on the day itself and its indexes serve (a view's
-- "night + 1 > day" could not use the bed_assignments index). A later source is added here.
DROP VIEW housing_facts;

CREATE FUNCTION housing_facts_on(p_municipality char(4), p_on date)
    RETURNS TABLE (person_id uuid, kind text, valid_from date, valid_to date)
    LANGUAGE sql STABLE AS $$
    SELECT person_id, kind, valid_from, valid_to FROM housing_arrangements
     WHERE municipality_code = p_municipality AND valid_from <= p_on AND (valid_to IS NULL OR valid_to > p_on)
    UNION ALL
    SELECT person_id, kind || '_lease', activated_on,
           CASE WHEN status = 'taken_over' THEN taken_over_on WHEN status = 'ended' THEN ends_on END
      FROM leases
     WHERE municipality_code = p_municipality AND activated_on <= p_on
       AND (status = 'active' OR (status = 'ended' AND ends_on > p_on) OR (status = 'taken_over' AND taken_over_on > p_on))
    UNION ALL
    SELECT person_id, 'own_home', taken_over_on, NULL FROM leases
     WHERE municipality_code = p_municipality AND status = 'taken_over' AND taken_over_on <= p_on
    UNION ALL
    SELECT person_id, 'emergency_shelter', night, night + 1 FROM bed_assignments
     WHERE municipality_code = p_municipality AND night = p_on AND status IN ('reserved', 'checked_in', 'checked_out')
$$;

-- Samordningsnummer may leave out the birth month (00) and/or the day (60 = unknown + 60): the birth date
-- is then partial. birth_year, birth_month and birth_day hold what is known; birth_date stays the complete
-- date and is set exactly when all three are, so a reader of birth_date never mistakes a guess for a date.
ALTER TABLE people
    ADD COLUMN birth_year smallint CONSTRAINT people_birth_year_range CHECK (birth_year > 0),
    ADD COLUMN birth_month smallint CONSTRAINT people_birth_month_range CHECK (birth_month BETWEEN 1 AND 12),
    ADD COLUMN birth_day smallint CONSTRAINT people_birth_day_range CHECK (birth_day BETWEEN 1 AND 31);

UPDATE people
   SET birth_year = extract(year FROM birth_date), birth_month = extract(month FROM birth_date),
       birth_day = extract(day FROM birth_date)
 WHERE birth_date IS NOT NULL;

ALTER TABLE people
    -- A month or a day means nothing without the year.
    ADD CONSTRAINT people_birth_year_known CHECK (birth_year IS NOT NULL OR (birth_month IS NULL AND birth_day IS NULL)),
    ADD CONSTRAINT people_birth_date_complete CHECK (
        CASE WHEN birth_date IS NULL THEN birth_year IS NULL OR birth_month IS NULL OR birth_day IS NULL
             ELSE birth_year = extract(year FROM birth_date) AND birth_month = extract(month FROM birth_date)
                  AND birth_day = extract(day FROM birth_date) END);

-- Own short-term arrangements (situation 4) split by what Stockholm's own count leaves out: second-hand
-- contracts and living with relatives are not counted there, living with friends is. Rows recorded as
-- 'own_short_term' before the split stay valid and mean "other own short-term arrangement" (counted by
-- both), since nothing recorded says which of the new kinds they were.
-- Arrangements are ended by setting valid_to (the first day they no longer hold); arrangement_period
-- (V2) already keeps valid_to after valid_from.
ALTER TABLE housing_arrangements DROP CONSTRAINT housing_arrangements_kind_check;
ALTER TABLE housing_arrangements ADD CONSTRAINT housing_arrangements_kind_check CHECK (kind IN (
    'outdoors', 'emergency_shelter', 'emergency_housing',
    'institution_leaving_without_home', 'supported_housing_leaving_without_home', 'social_contract',
    'second_hand_contract', 'living_with_relatives', 'living_with_friends', 'own_short_term', 'own_home'));

-- Issue 10, items 8 and 10.

-- Bostad Först takeover counts only the follow-ups of the plan made at move-in (quarterly by default),
-- each held on or after its planned date; extra follow-ups are recorded but never count.
ALTER TABLE lease_follow_ups ADD COLUMN scheduled boolean NOT NULL DEFAULT false;
-- Until now the plan was made at activation, every 3 months from the move-in day (jiff and PostgreSQL
-- both clamp month ends, and each date is counted from the move-in day, not chained).
UPDATE lease_follow_ups f SET scheduled = true
  FROM leases l
 WHERE l.municipality_code = f.municipality_code AND l.id = f.lease_id AND l.activated_on IS NOT NULL
   AND f.planned_on IN (SELECT (l.activated_on + make_interval(months => 3 * n))::date FROM generate_series(1, 4) AS n);

-- A lease offered on a decision is an offer made on it (the IVO report lists offers): the lease keeps
-- the offer it made, so moving in accepts it and declining declines it.
ALTER TABLE leases ADD COLUMN offer_id uuid;
-- Leases still on offer become offers on their decisions, dated as the API would date them now: the
-- start day or the day recorded, whichever is earlier, never before the decision. No address (IVO).
UPDATE leases SET offer_id = gen_random_uuid() WHERE status = 'offered';
INSERT INTO decision_offers (municipality_code, id, decision_id, offered_on, description)
SELECT l.municipality_code, l.offer_id, l.decision_id,
       GREATEST(LEAST((l.created_at AT TIME ZONE 'Europe/Stockholm')::date, l.starts_on), d.decided_on),
       CASE l.kind WHEN 'trial' THEN 'Trial apartment (försökslägenhet) sublet'
                   WHEN 'training' THEN 'Training apartment (träningslägenhet) sublet'
                   ELSE 'Bostad Först sublet' END || ' from ' || l.starts_on::text
  FROM leases l
  JOIN decisions d ON d.municipality_code = l.municipality_code AND d.id = l.decision_id
 WHERE l.offer_id IS NOT NULL;
ALTER TABLE leases ADD CONSTRAINT leases_offer FOREIGN KEY (municipality_code, offer_id) REFERENCES decision_offers;
CREATE UNIQUE INDEX leases_one_per_offer ON leases (municipality_code, offer_id) WHERE offer_id IS NOT NULL;

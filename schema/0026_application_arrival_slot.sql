-- An application bound for a transfer station may ask for an arrival slot (issue 20): booked for
-- the new pass on approval when the slot still has room. Null: none asked.
ALTER TABLE applications ADD COLUMN arrival_slot TEXT;

-- 0007_event_facts: the facts of a workflow event as data.
--
-- An event kept its facts (receipt number, documents, serials issued, the renewed
-- certificate, the refusal reason, the words given with a decision) only inside its
-- English detail, from which readers had to parse them back. New events store them
-- as a JSON object here; events stored before this migration keep NULL, and their
-- detail is all there is.
ALTER TABLE application_events ADD COLUMN facts TEXT;

-- 0008_write_guards: a table no row can enter.
--
-- A write that must change exactly one row (a state change guarded by the state it
-- expects, the completion of an open claim, an insert that must not meet a
-- duplicate, a claim and its conditions) is judged by the store from the number of
-- rows it changed, before the commit. On PostgreSQL, where such writes are held back
-- and sent together, the store sends each one wrapped so that the database judges it:
-- when it changes any other number of rows it inserts a row here naming it, the CHECK
-- refuses that row, the statement fails, and the COMMIT sent after it in the same
-- round trip does not run. SQLite never writes here.
CREATE TABLE write_guards (
    statement TEXT,
    CONSTRAINT write_guard_failed CHECK (statement IS NULL)
);

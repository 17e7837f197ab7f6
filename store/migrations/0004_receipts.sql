-- 0004_receipts: the receipts a registration-centre desk gives, kept so that they can
-- be printed again: the desk receipt of an accepted application and the refusal
-- receipt listing the missing documents. A receipt is written in the transaction of
-- the state move it records; data holds the receipt (store.Receipt) as JSON.
CREATE TABLE receipts (
    number      TEXT NOT NULL PRIMARY KEY,
    application TEXT NOT NULL REFERENCES applications (number),
    refused     INTEGER NOT NULL,
    issued_at   TEXT NOT NULL,
    data        TEXT NOT NULL
);
CREATE INDEX receipts_application ON receipts (application, issued_at);

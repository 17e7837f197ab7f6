-- 0001_init: the authority's tables.
--
-- Portable SQL for SQLite and PostgreSQL. Type tokens in double braces are expanded by
-- the dialect (see store/migrate.go): {{BYTES}} is a byte string (BLOB / BYTEA) and
-- {{AUTO_ID}} an auto-assigned 64-bit integer primary key. Every time is TEXT in UTC,
-- fixed width "2006-01-02T15:04:05.000000000Z", so text order is time order.

-- Applications: the whole application is kept as JSON in data; the columns beside it
-- copy the fields that listings filter on.
CREATE TABLE applications (
    number     TEXT NOT NULL PRIMARY KEY,
    template   TEXT NOT NULL,
    state      TEXT NOT NULL,
    iin        TEXT,
    bin        TEXT,
    deadline   TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX applications_state ON applications (state, created_at);
CREATE INDEX applications_iin ON applications (iin);
CREATE INDEX applications_bin ON applications (bin);
CREATE INDEX applications_deadline ON applications (deadline);
CREATE INDEX applications_created ON applications (created_at, number);

-- The status history of each application.
CREATE TABLE application_events (
    id         {{AUTO_ID}},
    number     TEXT NOT NULL REFERENCES applications (number),
    at         TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX application_events_number ON application_events (number, at, id);

-- Issued certificates. A public key (key_hash) is certified at most once.
CREATE TABLE certificates (
    issuer          TEXT NOT NULL,
    serial          TEXT NOT NULL,
    application     TEXT,
    template        TEXT NOT NULL,
    type            TEXT NOT NULL,
    iin             TEXT,
    bin             TEXT,
    subject         TEXT NOT NULL,
    not_before      TEXT NOT NULL,
    not_after       TEXT NOT NULL,
    key_hash        TEXT NOT NULL,
    der             {{BYTES}} NOT NULL,
    status          TEXT NOT NULL,
    revoked_at      TEXT,
    reason          INTEGER NOT NULL,
    invalidity_date TEXT,
    PRIMARY KEY (issuer, serial)
);
CREATE UNIQUE INDEX certificates_key_hash ON certificates (key_hash);
CREATE INDEX certificates_serial ON certificates (serial);
CREATE INDEX certificates_iin ON certificates (iin, not_before);
CREATE INDEX certificates_application ON certificates (application);
CREATE INDEX certificates_crl ON certificates (issuer, status, serial);

-- The last CRL number given out per issuer.
CREATE TABLE crl_numbers (
    issuer TEXT NOT NULL PRIMARY KEY,
    last   BIGINT NOT NULL
);

-- One-time sign-in challenges.
CREATE TABLE challenges (
    id         TEXT NOT NULL PRIMARY KEY,
    nonce      {{BYTES}} NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX challenges_expires ON challenges (expires_at);

-- The hash-chained audit log (package audit). seq is assigned by the store as the
-- last seq + 1 inside the writing transaction, so the primary key also forbids a fork
-- of the chain.
CREATE TABLE audit (
    seq       BIGINT NOT NULL PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    address   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

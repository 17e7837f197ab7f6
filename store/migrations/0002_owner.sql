-- 0002_owner: the owner's signed requests (evidence and replay protection), the
-- notification outbox, and the index the expiry reminders read.

-- Requests an owner (or an organisation's first head) proved by signature: online
-- revocation, renewal, head confirmation and rejection. The nonce is unique, so a
-- signed request is accepted at most once; the row keeps the exact signed bytes, the
-- signature and the signer's certificate as evidence.
CREATE TABLE signed_requests (
    nonce      TEXT NOT NULL PRIMARY KEY,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL,
    signer_iin TEXT NOT NULL,
    signer_bin TEXT,
    owner_iin  TEXT,
    issuer     TEXT NOT NULL,
    serial     TEXT NOT NULL,
    payload    {{BYTES}} NOT NULL,
    signature  {{BYTES}} NOT NULL,
    algorithm  TEXT NOT NULL,
    at         TEXT NOT NULL,
    result     TEXT NOT NULL
);
CREATE INDEX signed_requests_signer ON signed_requests (signer_iin, at);
CREATE INDEX signed_requests_owner ON signed_requests (owner_iin, at);
CREATE INDEX signed_requests_object ON signed_requests (object, at);

-- The notification outbox: written in the transaction of the event it tells about,
-- sent afterwards by package notify with retries. dedup_key (optional) makes a
-- scheduled message (an expiry reminder) be enqueued at most once.
CREATE TABLE outbox (
    id           {{AUTO_ID}},
    channel      TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    language     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    params       TEXT NOT NULL,
    dedup_key    TEXT UNIQUE,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    next_attempt TEXT NOT NULL,
    last_error   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt, id);

CREATE INDEX certificates_not_after ON certificates (status, not_after);
CREATE INDEX certificates_bin ON certificates (bin, not_before);

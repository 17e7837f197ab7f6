-- 0005_issuance_claims: an approval claims its application before the certificates
-- are signed, outside the transaction that stores them.
--
-- The claim names the serials drawn for the certificates (issuer/serial, space
-- separated) before any is signed, so a certificate can never be signed unrecorded:
-- either the second transaction stores it and completes the claim, or the claim (and
-- the audit record of its release or takeover) still names its serial. The primary
-- key makes two approvals of one application (two requests, two nodes) exclusive:
-- the second claim is refused before it signs anything. Completed claims stay as the
-- record of what was signed when.
CREATE TABLE issuance_claims (
    application  TEXT NOT NULL PRIMARY KEY REFERENCES applications (number),
    actor        TEXT NOT NULL,
    claimed_at   TEXT NOT NULL,
    serials      TEXT NOT NULL,
    completed_at TEXT
);

-- 0006_revocation_indexes: the revocation indexes hold revoked certificates only.
--
-- certificates_crl (issuer, status, serial) was a prefix of certificates_crl_entries
-- and is dropped. certificates_crl_entries (the full CRL's covering index) and
-- certificates_revoked_at (the delta CRL's) become partial indexes of the revoked
-- certificates: the CRL queries name status = 'revoked' as a literal, so both
-- engines use them, and a certificate stored at issuance (status good) writes, and
-- syncs, two index entries fewer. On a large PostgreSQL database the CREATE INDEX
-- statements read the certificates table once and hold off writes to it meanwhile:
-- run this migration in a maintenance window.
DROP INDEX IF EXISTS certificates_crl;
DROP INDEX IF EXISTS certificates_crl_entries;
DROP INDEX IF EXISTS certificates_revoked_at;
CREATE INDEX certificates_crl_entries ON certificates (issuer, serial, revoked_at, reason, invalidity_date, not_after)
    WHERE status = 'revoked';
CREATE INDEX certificates_revoked_at ON certificates (issuer, revoked_at, serial)
    WHERE status = 'revoked';

-- 0002_revocation_status: what delta CRLs and OCSP need.
--
-- Delta CRLs list the certificates of an issuer revoked since a time, and OCSP
-- responders poll for revocations since their last look: both read this index.
-- Status lookups by issuer and serial use the primary key of certificates.
CREATE INDEX certificates_revoked_at ON certificates (issuer, revoked_at);

-- Full CRLs read every revoked certificate of an issuer in serial order: this index
-- holds every column they need, so the read never touches the table rows (which
-- carry the certificates' DER).
CREATE INDEX certificates_crl_entries ON certificates (issuer, status, serial, revoked_at, reason, invalidity_date, not_after);

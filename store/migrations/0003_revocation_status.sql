-- 0002_revocation_status: what delta CRLs and OCSP need.
--
-- Delta CRLs list the certificates of an issuer revoked since a time, and OCSP
-- responders poll for revocations since their last look: both read this index.
-- Status lookups by issuer and serial use the primary key of certificates.
CREATE INDEX certificates_revoked_at ON certificates (issuer, revoked_at);

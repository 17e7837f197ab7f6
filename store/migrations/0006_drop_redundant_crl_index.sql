-- 0006_drop_redundant_crl_index: certificates_crl (issuer, status, serial) is a
-- prefix of certificates_crl_entries (0003), which serves every query the older
-- index served. Each index is one more B-tree page written, and synced, for every
-- certificate stored: the issuance path writes one fewer.
DROP INDEX IF EXISTS certificates_crl;

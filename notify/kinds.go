package notify

// Message kinds: each names a template in every language (templates.go). The workflow
// (package ra) enqueues them in the transaction of the event; Params are listed with
// each kind.
const (
	// KindReceived: an application was received. Params: number, deadline, next.
	KindReceived = "received"
	// KindAccepted: accepted at a registration centre. Params: number, receipt.
	KindAccepted = "accepted"
	// KindIssued: certificates were issued. Params: number.
	KindIssued = "issued"
	// KindRefused: refused or rejected by the head. Params: number, reason.
	KindRefused = "refused"
	// KindExpired: not identified in time. Params: number.
	KindExpired = "expired"
	// KindRevoked: a certificate was revoked. Params: serial, reason, date.
	KindRevoked = "revoked"
	// KindIssuanceAlert goes to the registered e-mail of the IIN for every
	// certificate issued on it. Params: serial, type, subject, date, number.
	KindIssuanceAlert = "issuance_alert"
	// KindExpiry: an expiry reminder. Params: days, date, number, serials.
	KindExpiry = "expiry"
)

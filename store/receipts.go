package store

import (
	"context"
	"time"
)

// Receipt is a receipt given at a registration-centre desk (SPEC §3 step 3): the desk
// receipt of an accepted application, or, when Refused, the refusal receipt listing
// the missing documents (seed 002 annex 9). Documents and Missing hold checklist
// document IDs (profile.Document.ID), so that a receipt can be printed in any
// language.
type Receipt struct {
	Number      string    `json:"number"`
	Application string    `json:"application"`
	Template    string    `json:"template"`
	Refused     bool      `json:"refused"`
	IssuedAt    time.Time `json:"issued_at"`
	Documents   []string  `json:"documents,omitempty"`
	Missing     []string  `json:"missing,omitempty"`
	ResultDate  time.Time `json:"result_date"`
	ResultPlace string    `json:"result_place"`
	// Operator is the operator's full name; OperatorIIN their IIN.
	Operator            string `json:"operator"`
	OperatorIIN         string `json:"operator_iin"`
	Applicant           string `json:"applicant"`
	ApplicantPhone      string `json:"applicant_phone,omitempty"`
	Representative      string `json:"representative,omitempty"`
	RepresentativePhone string `json:"representative_phone,omitempty"`
}

// ReceiptTx is the part of Tx keeping desk receipts.
type ReceiptTx interface {
	// InsertReceipt stores a receipt of a stored application. A Number used before is
	// a core.ErrDuplicate error; an unknown Application a core.ErrNotFound error.
	InsertReceipt(ctx context.Context, r *Receipt) error
	// GetReceipt loads one receipt by number.
	GetReceipt(ctx context.Context, number string) (*Receipt, error)
	// ReceiptsByApplication lists the receipts of an application, oldest first.
	ReceiptsByApplication(ctx context.Context, application string) ([]*Receipt, error)
}

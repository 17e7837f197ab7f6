package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

func receipt(number, application string, refused bool, d time.Duration) *store.Receipt {
	r := &store.Receipt{
		Number: number, Application: application, Template: "individual", Refused: refused, IssuedAt: at(d),
		ResultDate: at(d + 24*time.Hour), ResultPlace: "online: the status page",
		Operator: "Оператор Әділбек", OperatorIIN: "750101300123", Applicant: "Құрманғазы Сағырбайұлы",
		ApplicantPhone: "+77011234567", Representative: "Жүсіп Өтеміс", RepresentativePhone: "+77017654321",
	}
	if refused {
		r.Documents, r.Missing = []string{"power_of_attorney"}, []string{"identity"}
	} else {
		r.Documents = []string{"identity", "power_of_attorney"}
	}
	return r
}

// testReceipts checks the round trip of receipts, their listing by application, and
// the duplicate, unknown-application and not-found errors.
func testReceipts(t *testing.T, s store.Store) {
	ctx := context.Background()
	a1, a2 := minimalApplication("R1AAA-AAAAA-AAAAA"), minimalApplication("R2BBB-BBBBB-BBBBB")
	refusal := receipt("R-20260101-0000000001", a1.Number, true, 0)
	desk := receipt("R-20260101-0000000002", a1.Number, false, time.Hour)
	other := receipt("R-20260101-0000000003", a2.Number, false, time.Minute)
	other.Representative, other.RepresentativePhone, other.ApplicantPhone = "", "", ""
	write(t, s, func(tx store.Tx) error {
		for _, a := range []*core.Application{a1, a2} {
			if err := tx.InsertApplication(ctx, a); err != nil {
				return err
			}
		}
		// Inserted out of time order: the listing orders by time.
		for _, r := range []*store.Receipt{desk, refusal, other} {
			if err := tx.InsertReceipt(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.InsertReceipt(ctx, receipt(desk.Number, a2.Number, false, 0))
	})
	wantIs(t, "duplicate receipt number", err, core.ErrDuplicate)
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.InsertReceipt(ctx, receipt("R-20260101-0000000009", "NOAPP-NOAPP-NOAPP", false, 0))
	})
	wantIs(t, "unknown application", err, core.ErrNotFound)
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.InsertReceipt(ctx, &store.Receipt{Application: a1.Number, IssuedAt: at(0)})
	})
	wantKind(t, "empty number", err, core.KindInvalid)

	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetReceipt(ctx, refusal.Number)
		if err != nil {
			return err
		}
		equal(t, "refusal receipt", utc(got), utc(refusal))
		got, err = tx.GetReceipt(ctx, other.Number)
		if err != nil {
			return err
		}
		equal(t, "receipt without optional fields", utc(got), utc(other))
		list, err := tx.ReceiptsByApplication(ctx, a1.Number)
		if err != nil {
			return err
		}
		equal(t, "receipts of an application", utc(list), []*store.Receipt{utc(refusal), utc(desk)})
		list, err = tx.ReceiptsByApplication(ctx, "NOAPP-NOAPP-NOAPP")
		equal(t, "receipts of nothing", len(list), 0)
		if err != nil {
			return err
		}
		_, err = tx.GetReceipt(ctx, "R-19990101-0000000000")
		wantIs(t, "unknown receipt", err, core.ErrNotFound)
		return nil
	})
	// A receipt written in a transaction that fails is not kept.
	boom := s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.InsertReceipt(ctx, receipt("R-20260101-0000000004", a2.Number, true, 0)); err != nil {
			return err
		}
		return core.Errorf(core.KindConflict, "rolled back")
	})
	wantKind(t, "rolled back", boom, core.KindConflict)
	read(t, s, func(tx store.Tx) error {
		_, err := tx.GetReceipt(ctx, "R-20260101-0000000004")
		wantIs(t, "receipt of a rolled-back transaction", err, core.ErrNotFound)
		return nil
	})
}

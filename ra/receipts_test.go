package ra

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// TestReceiptsAreStoredWithTheVisit checks that accept and refuse-documents store
// the receipt they give, that Receipt returns it as given (to staff only), and that
// a refused request stores none.
func TestReceiptsAreStoredWithTheVisit(t *testing.T) {
	e := newEnv(t)
	a := e.submit(e.demo(profile.Individual, ""))
	stored := func() []*store.Receipt {
		t.Helper()
		var out []*store.Receipt
		if err := e.store.Read(e.ctx, func(tx store.Tx) error {
			var err error
			out, err = tx.ReceiptsByApplication(e.ctx, a.Number)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if _, err := e.svc.Accept(e.ctx, e.staff, a.Number, Presentation{}); err == nil {
		t.Fatal("an incomplete set was accepted")
	}
	if _, err := e.svc.RefuseDocuments(e.ctx, Actor{Kind: "anonymous"}, a.Number, Presentation{}); err == nil {
		t.Fatal("an anonymous actor refused documents")
	}
	if n := len(stored()); n != 0 {
		t.Fatalf("%d receipts stored by refused requests", n)
	}

	refusal, err := e.svc.RefuseDocuments(e.ctx, e.staff, a.Number, Presentation{Presented: []string{profile.DocPowerOfAttorney}, Representative: "Өкіл Ұлы"})
	if err != nil {
		t.Fatal(err)
	}
	if refusal.Template != profile.Individual || !reflect.DeepEqual(refusal.MissingIDs, []string{profile.DocIdentity}) ||
		!reflect.DeepEqual(refusal.DocumentIDs, []string{profile.DocPowerOfAttorney}) || refusal.OperatorIIN != e.staff.IIN {
		t.Fatalf("refusal receipt %+v", refusal)
	}
	e.clock.Add(time.Hour)
	desk := e.acceptAll(a.Number)

	got := stored()
	if len(got) != 2 || got[0].Number != refusal.Number || got[1].Number != desk.Number {
		t.Fatalf("stored receipts %+v", got)
	}
	for _, want := range []*Receipt{refusal, desk} {
		rc, err := e.svc.Receipt(e.ctx, e.staff, strings.ToLower(want.Number))
		if err != nil {
			t.Fatal(err)
		}
		if !rc.Date.Equal(want.Date) || !rc.ResultDate.Equal(want.ResultDate) {
			t.Errorf("receipt %s times %v %v, given %v %v", want.Number, rc.Date, rc.ResultDate, want.Date, want.ResultDate)
		}
		rc.Date, rc.ResultDate = want.Date, want.ResultDate
		if !reflect.DeepEqual(emptyNil(*rc), emptyNil(*want)) {
			t.Errorf("receipt read back\n%+v\ngiven\n%+v", rc, want)
		}
	}
	_, err = e.svc.Receipt(e.ctx, Actor{Kind: "subscriber", IIN: a.Applicant.IIN}, desk.Number)
	wantKind(t, err, core.KindForbidden)
	_, err = e.svc.Receipt(e.ctx, e.staff, "R-2026")
	wantKind(t, err, core.KindInvalid)
	_, err = e.svc.Receipt(e.ctx, e.staff, "R-20200101-0000000000")
	wantKind(t, err, core.KindNotFound)
}

func TestLookups(t *testing.T) {
	e := newEnv(t)
	d := e.demo(profile.LegalEntity, "")
	p, age, err := e.svc.LookupPerson(e.ctx, d.IIN)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := kzid.ParseIIN(d.IIN)
	if p.IIN != d.IIN || strings.TrimSpace(p.Surname+" "+p.Name+" "+p.Patronymic) != d.Name || age != id.AgeOn(e.clock.Now().In(e.svc.Location())) {
		t.Errorf("LookupPerson(%s) = %+v, %d", d.IIN, p, age)
	}
	_, _, err = e.svc.LookupPerson(e.ctx, d.IIN[:11]+"x")
	wantKind(t, err, core.KindInvalid)
	unknown, _ := kzid.Complete("99010130001")
	if unknown == "" {
		unknown, _ = kzid.Complete("99010130002")
	}
	_, _, err = e.svc.LookupPerson(e.ctx, unknown)
	wantKind(t, err, core.KindNotFound)

	o, err := e.svc.LookupOrganization(e.ctx, d.BIN)
	if err != nil {
		t.Fatal(err)
	}
	if o.BIN != d.BIN || o.Name == "" || o.HeadIIN != "" || o.Role != "" {
		t.Errorf("LookupOrganization(%s) = %+v, want number and name only", d.BIN, o)
	}
	_, err = e.svc.LookupOrganization(e.ctx, d.IIN)
	wantKind(t, err, core.KindInvalid)
}

// emptyNil makes the empty lists of r nil: a list stored empty reads back nil.
func emptyNil(r Receipt) Receipt {
	for _, l := range []*[]string{&r.Documents, &r.Missing, &r.DocumentIDs, &r.MissingIDs} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return r
}

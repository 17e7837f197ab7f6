// Package storetest is the conformance suite of store.Store. Every implementation
// (SQLite, PostgreSQL, …) runs it from its own tests:
//
//	func TestSQLite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { … })
//	}
//
// It checks the contract written in package store: round trips of every field,
// filters and orders, not-found and duplicate errors, optimistic state checks,
// revocation, CRL numbers, one-time challenges, the audit hash chain, rollback, and
// behaviour under concurrent transactions.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/opennca/nca/audit"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/store"
)

// Run runs the conformance suite. open must return a new, empty store for each call
// and arrange for it to be closed (t.Cleanup). Subtests run one after another.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"ApplicationRoundTrip", testApplicationRoundTrip},
		{"ApplicationErrors", testApplicationErrors},
		{"UpdateApplication", testUpdateApplication},
		{"ListApplications", testListApplications},
		{"Events", testEvents},
		{"CertificateRoundTrip", testCertificateRoundTrip},
		{"CertificateLookups", testCertificateLookups},
		{"CertificateDuplicates", testCertificateDuplicates},
		{"Revoke", testRevoke},
		{"RevokedEntries", testRevokedEntries},
		{"RevokedSince", testRevokedSince},
		{"CertificateStatus", testCertificateStatus},
		{"CRLNumbers", testCRLNumbers},
		{"Challenges", testChallenges},
		{"Audit", testAudit},
		{"Rollback", testRollback},
		{"ReadOnly", testReadOnly},
		{"Context", testContext},
		{"ConcurrentCRLNumbers", testConcurrentCRLNumbers},
		{"ConcurrentUpdate", testConcurrentUpdate},
		{"ConcurrentAudit", testConcurrentAudit},
		{"DuplicateThenContinue", testDuplicateThenContinue},
		{"SignedRequests", testSignedRequests},
		{"CertificatesByBINAndExpiring", testCertificatesByBINAndExpiring},
		{"Receipts", testReceipts},
		{"Outbox", testOutbox},
		{"IssuanceClaims", testIssuanceClaims},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Claim", testClaim},
		{"Pipeline", testPipeline},
		{"PipelineAuditChain", testPipelineAuditChain},
		{"TxNoSync", testTxNoSync},
		{"ReadOne", testReadOne},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// base is a time with nanoseconds in a non-UTC zone: stores must keep the instant.
var base = time.Date(2026, 3, 2, 10, 30, 15, 123456789, time.FixedZone("+05", 5*3600))

func at(d time.Duration) time.Time { return base.Add(d) }

func ptr[T any](v T) *T { return &v }

// write runs fn in a Tx that must succeed.
func write(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Tx(context.Background(), fn); err != nil {
		t.Fatalf("Tx: %v", err)
	}
}

// read runs fn in a Read that must succeed.
func read(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// utc returns v (a value or pointer to a struct, or a slice of them) with every
// time.Time in UTC, so that equal instants compare equal with reflect.DeepEqual.
func utc[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	normalize(rv)
	return v
}

var timeType = reflect.TypeOf(time.Time{})

func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			c := reflect.New(v.Elem().Type())
			c.Elem().Set(v.Elem())
			normalize(c.Elem())
			v.Set(c)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		for i := 0; i < c.Len(); i++ {
			normalize(c.Index(i))
		}
		v.Set(c)
	}
}

// equal fails the test unless got and want are deeply equal up to time zones.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := utc(got), utc(want)
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.MarshalIndent(g, "", "  ")
		wj, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("%s:\n got %s\nwant %s\n(%#v)\n(%#v)", what, gj, wj, g, w)
	}
}

func wantKind(t *testing.T, what string, err error, k core.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want kind %s", what, k)
	}
	if got := core.KindOf(err); got != k {
		t.Fatalf("%s: error %v has kind %s, want %s", what, err, got, k)
	}
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want one wrapping %v", what, err, target)
	}
}

// fullApplication has every field set.
func fullApplication(number string) *core.Application {
	return &core.Application{
		Number:   number,
		Template: "legal_entity",
		State:    core.StateAwaitingHead,
		Applicant: core.Applicant{
			IIN: "871008401427", Surname: "Сейтқали", Name: "Әйгерім", Patronymic: "Бақытжанқызы",
			Region: "Алматы облысы", City: "Қонаев", Email: "aigerim@example.kz", Phone: "+7 701 234 5678",
			Language: "kk", BIN: "940140000385", Organization: "ТОО «Қазақ Технологиялары»", Role: "employee",
			Domain: "example.kz", ExtraDomains: []string{"www.example.kz", "api.example.kz"},
			StateBodyCode: "ГУ 1234", RNN: "600400123456", SystemRole: "notary", ResidenceDocument: "residence permit 001",
		},
		Requests: []core.KeyRequest{
			{Type: core.CertSign, CSR: []byte{0x30, 0x82, 0x01, 0x00, 0xff}},
			{Type: core.CertAuth, CSR: []byte{0x30, 0x03, 0x02, 0x01, 0x00}},
		},
		CreatedAt:          at(0),
		UpdatedAt:          at(time.Minute),
		Deadline:           at(30 * 24 * time.Hour),
		RefusalReason:      core.RefusalFalseInfo,
		RefusalDetail:      "паспорт не совпадает",
		DocumentsPresented: []string{"identity", "power_of_attorney"},
		MissingDocuments:   []string{"registration_certificate"},
		ReceiptNumber:      "R-2026-000001",
		HeadConfirmedBy:    "760212350620",
		Operator:           "760212350620",
	}
}

// minimalApplication has only the required fields: nil slices, zero deadline.
func minimalApplication(number string) *core.Application {
	return &core.Application{
		Number:    number,
		Template:  "individual",
		State:     core.StateAwaitingIdentification,
		Applicant: core.Applicant{IIN: "760212350620", Surname: "Оспанов", Name: "Ерлан"},
		CreatedAt: at(0),
		UpdatedAt: at(0),
	}
}

func testApplicationRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	full, minimal := fullApplication("A-1"), minimalApplication("A-2")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, full); err != nil {
			return err
		}
		return tx.InsertApplication(ctx, minimal)
	})
	read(t, s, func(tx store.Tx) error {
		for _, want := range []*core.Application{full, minimal} {
			got, err := tx.GetApplication(ctx, want.Number)
			if err != nil {
				return err
			}
			equal(t, "application "+want.Number, got, want)
		}
		return nil
	})
	if full.CreatedAt.Location() == time.UTC {
		t.Fatal("InsertApplication changed the caller's application")
	}
}

func testApplicationErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, fullApplication("A-1")) })
	wantIs(t, "duplicate number", err, core.ErrDuplicate)
	wantKind(t, "duplicate number", err, core.KindConflict)
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetApplication(ctx, "A-1")
		if err != nil {
			return err
		}
		equal(t, "application after duplicate insert", got, minimalApplication("A-1"))
		_, err = tx.GetApplication(ctx, "A-404")
		wantIs(t, "get missing", err, core.ErrNotFound)
		wantKind(t, "get missing", err, core.KindNotFound)
		return nil
	})
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.UpdateApplication(ctx, minimalApplication("A-404"), core.StateAwaitingIdentification)
	})
	wantIs(t, "update missing", err, core.ErrNotFound)
}

func testUpdateApplication(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := minimalApplication("A-1")
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, a) })

	b := fullApplication("A-1")
	b.State = core.StateAccepted
	b.Applicant.IIN, b.Applicant.BIN = "871008401427", "950341000052"
	write(t, s, func(tx store.Tx) error { return tx.UpdateApplication(ctx, b, core.StateAwaitingIdentification) })

	// A stale `from` state is a conflict and changes nothing.
	c := fullApplication("A-1")
	c.State, c.ReceiptNumber = core.StateRefused, "stale"
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.UpdateApplication(ctx, c, core.StateAwaitingIdentification) })
	wantKind(t, "stale update", err, core.KindConflict)
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("stale update: %v is not a *core.Error", err)
	}

	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetApplication(ctx, "A-1")
		if err != nil {
			return err
		}
		equal(t, "updated application", got, b)
		// The filter columns follow the update.
		for _, f := range []store.ApplicationFilter{
			{IIN: "871008401427"}, {BIN: "950341000052"}, {States: []core.State{core.StateAccepted}},
			{DeadlineBefore: b.Deadline.Add(time.Second)},
		} {
			l, err := tx.ListApplications(ctx, f)
			if err != nil {
				return err
			}
			if len(l) != 1 {
				t.Fatalf("filter %+v after update: %d applications, want 1", f, len(l))
			}
		}
		l, err := tx.ListApplications(ctx, store.ApplicationFilter{IIN: "760212350620"})
		if err != nil {
			return err
		}
		if len(l) != 0 {
			t.Fatalf("old IIN still matches after update")
		}
		return nil
	})
}

func numbers(as []*core.Application) []string {
	var n []string
	for _, a := range as {
		n = append(n, a.Number)
	}
	return n
}

func testListApplications(t *testing.T, s store.Store) {
	ctx := context.Background()
	type row struct {
		number   string
		state    core.State
		iin, bin string
		deadline time.Duration // 0 = none
		created  time.Duration
	}
	// Inserted out of creation order: listings are oldest first.
	rows := []row{
		{"A-3", core.StateAwaitingIdentification, "111", "", 10 * time.Hour, 3 * time.Hour},
		{"A-1", core.StateAwaitingHead, "111", "B1", 20 * time.Hour, 1 * time.Hour},
		{"A-2", core.StateAwaitingIdentification, "222", "B1", 5 * time.Hour, 2 * time.Hour},
		{"A-5", core.StateIssued, "222", "B2", 0, 5 * time.Hour},
		{"A-4", core.StateAccepted, "333", "", 30 * time.Hour, 4 * time.Hour},
	}
	write(t, s, func(tx store.Tx) error {
		for _, r := range rows {
			a := minimalApplication(r.number)
			a.State, a.Applicant.IIN, a.Applicant.BIN = r.state, r.iin, r.bin
			a.CreatedAt, a.UpdatedAt = at(r.created), at(r.created)
			if r.deadline != 0 {
				a.Deadline = at(r.deadline)
			}
			if err := tx.InsertApplication(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		f    store.ApplicationFilter
		want []string
	}{
		{store.ApplicationFilter{}, []string{"A-1", "A-2", "A-3", "A-4", "A-5"}},
		{store.ApplicationFilter{States: []core.State{core.StateAwaitingIdentification}}, []string{"A-2", "A-3"}},
		{store.ApplicationFilter{States: []core.State{core.StateAwaitingHead, core.StateIssued}}, []string{"A-1", "A-5"}},
		{store.ApplicationFilter{States: []core.State{core.StateExpired}}, nil},
		{store.ApplicationFilter{IIN: "111"}, []string{"A-1", "A-3"}},
		{store.ApplicationFilter{BIN: "B1"}, []string{"A-1", "A-2"}},
		{store.ApplicationFilter{Number: "A-4"}, []string{"A-4"}},
		{store.ApplicationFilter{Number: "A-404"}, nil},
		// Applications without a deadline never match DeadlineBefore.
		{store.ApplicationFilter{DeadlineBefore: at(20 * time.Hour)}, []string{"A-2", "A-3"}},
		{store.ApplicationFilter{DeadlineBefore: at(20*time.Hour + time.Nanosecond)}, []string{"A-1", "A-2", "A-3"}},
		{store.ApplicationFilter{
			States:         []core.State{core.StateAwaitingIdentification, core.StateAwaitingHead},
			DeadlineBefore: at(15 * time.Hour),
		}, []string{"A-2", "A-3"}},
		{store.ApplicationFilter{IIN: "222", BIN: "B2"}, []string{"A-5"}},
		{store.ApplicationFilter{Limit: 2}, []string{"A-1", "A-2"}},
		{store.ApplicationFilter{IIN: "111", Limit: 1}, []string{"A-1"}},
	}
	read(t, s, func(tx store.Tx) error {
		for _, c := range cases {
			got, err := tx.ListApplications(ctx, c.f)
			if err != nil {
				return err
			}
			if !slices.Equal(numbers(got), c.want) {
				t.Errorf("filter %+v: got %v, want %v", c.f, numbers(got), c.want)
			}
		}
		got, err := tx.ListApplications(ctx, store.ApplicationFilter{Number: "A-2"})
		if err != nil {
			return err
		}
		want := minimalApplication("A-2")
		want.Applicant.IIN, want.Applicant.BIN = "222", "B1"
		want.CreatedAt, want.UpdatedAt, want.Deadline = at(2*time.Hour), at(2*time.Hour), at(5*time.Hour)
		equal(t, "listed application", got, []*core.Application{want})
		return nil
	})

	// The default limit is 100.
	write(t, s, func(tx store.Tx) error {
		for i := 0; i < 100; i++ {
			a := minimalApplication(fmt.Sprintf("B-%03d", i))
			a.CreatedAt = at(24*time.Hour + time.Duration(i)*time.Second)
			if err := tx.InsertApplication(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.ListApplications(ctx, store.ApplicationFilter{})
		if err != nil {
			return err
		}
		if len(got) != 100 || got[0].Number != "A-1" || got[99].Number != "B-094" {
			t.Fatalf("default limit: %d applications, first %s, last %s", len(got), got[0].Number, got[len(got)-1].Number)
		}
		return nil
	})
}

func testEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	events := []core.Event{
		{Number: "A-1", At: at(0), To: core.StateAwaitingHead, Action: "submit", Actor: "iin:871008401427"},
		{Number: "A-1", At: at(time.Hour), From: core.StateAwaitingHead, To: core.StateAwaitingIdentification,
			Action: "head.confirm", Actor: "iin:760212350620", Detail: "подписано"},
		// Same time as the previous one: insertion order is kept.
		{Number: "A-1", At: at(time.Hour), From: core.StateAwaitingIdentification, To: core.StateAccepted,
			Action: "desk.accept", Actor: "operator:760212350620", Detail: "receipt R-1",
			Facts: &core.EventFacts{Receipt: "R-1", Documents: []string{"identity_document", "power_of_attorney"}}},
		// Facts recorded, all empty: not the same as none recorded (nil).
		{Number: "A-1", At: at(2 * time.Hour), From: core.StateAccepted, To: core.StateRefused,
			Action: "refuse", Actor: "operator:760212350620", Detail: "under_16", Facts: &core.EventFacts{Reason: core.RefusalUnder16, Note: "«15» жаста"}},
		{Number: "A-1", At: at(3 * time.Hour), From: core.StateRefused, To: core.StateRefused,
			Action: "note", Actor: "system", Facts: &core.EventFacts{}},
	}
	write(t, s, func(tx store.Tx) error {
		for _, n := range []string{"A-1", "A-2"} {
			if err := tx.InsertApplication(ctx, minimalApplication(n)); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return tx.AddEvent(ctx, core.Event{Number: "A-2", At: at(-time.Hour), To: core.StateAwaitingIdentification, Action: "submit", Actor: "anonymous"})
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Events(ctx, "A-1")
		if err != nil {
			return err
		}
		equal(t, "events", got, events)
		got, err = tx.Events(ctx, "A-404")
		if err != nil {
			return err
		}
		if len(got) != 0 {
			t.Fatalf("events of an unknown application: %v", got)
		}
		return nil
	})
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.AddEvent(ctx, core.Event{Number: "A-404", At: at(0), To: core.StateIssued, Action: "x", Actor: "system"})
	})
	wantIs(t, "event of unknown application", err, core.ErrNotFound)
}

// cert returns a good certificate with every non-revocation field set.
func cert(issuer, serial, keyHash string) *core.Certificate {
	return &core.Certificate{
		Serial:      serial,
		Issuer:      issuer,
		Application: "A-1",
		Template:    "individual",
		Type:        core.CertSign,
		IIN:         "871008401427",
		BIN:         "940140000385",
		Subject:     "CN=СЕЙТҚАЛИ ӘЙГЕРІМ,SURNAME=СЕЙТҚАЛИ,SERIALNUMBER=IIN871008401427,C=KZ",
		NotBefore:   at(0),
		NotAfter:    at(365 * 24 * time.Hour),
		KeyHash:     keyHash,
		DER:         []byte{0x30, 0x82, 0x03, 0x10, 0x00, 0x01},
		Status:      core.CertGood,
	}
}

func testCertificateRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := cert("NCA RSA", "1a2b", "kh1")
	bare := &core.Certificate{Serial: "ff", Issuer: "NCA RSA", Type: core.CertSSL, Subject: "CN=example.kz",
		NotBefore: at(0), NotAfter: at(time.Hour), KeyHash: "kh2", DER: []byte{1}, Status: core.CertGood}
	revoked := cert("NCA GOST", "1a2b", "kh3")
	revoked.Status, revoked.Reason = core.CertRevoked, core.ReasonKeyCompromise
	revoked.RevokedAt, revoked.InvalidityDate = ptr(at(time.Hour)), ptr(at(-time.Hour))
	write(t, s, func(tx store.Tx) error {
		for _, c := range []*core.Certificate{good, bare, revoked} {
			if err := tx.InsertCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		for _, want := range []*core.Certificate{good, bare, revoked} {
			got, err := tx.GetCertificate(ctx, want.Issuer, want.Serial)
			if err != nil {
				return err
			}
			equal(t, "certificate "+want.Issuer+"/"+want.Serial, got, want)
		}
		_, err := tx.GetCertificate(ctx, "NCA RSA", "404")
		wantIs(t, "get missing certificate", err, core.ErrNotFound)
		_, err = tx.GetCertificate(ctx, "NCA EC", "1a2b")
		wantIs(t, "get certificate of another issuer", err, core.ErrNotFound)
		return nil
	})
}

func serials(cs []*core.Certificate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Issuer+"/"+c.Serial)
	}
	return out
}

func testCertificateLookups(t *testing.T, s store.Store) {
	ctx := context.Background()
	c1 := cert("NCA RSA", "01", "k1") // A-1, IIN …427, oldest
	c2 := cert("NCA GOST", "01", "k2")
	c2.NotBefore = at(time.Hour)
	c3 := cert("NCA RSA", "02", "k3")
	c3.NotBefore, c3.Application = at(2*time.Hour), "A-2"
	c4 := cert("NCA RSA", "03", "k4")
	c4.IIN, c4.Application = "760212350620", ""
	write(t, s, func(tx store.Tx) error {
		for _, c := range []*core.Certificate{c1, c2, c3, c4} {
			if err := tx.InsertCertificate(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.CertificatesBySerial(ctx, "01")
		if err != nil {
			return err
		}
		if !slices.Equal(serials(got), []string{"NCA GOST/01", "NCA RSA/01"}) {
			t.Errorf("by serial: %v", serials(got))
		}
		equal(t, "by serial", got, []*core.Certificate{c2, c1})
		if got, err = tx.CertificatesBySerial(ctx, "404"); err != nil || len(got) != 0 {
			t.Errorf("by unknown serial: %v, %v", serials(got), err)
		}
		got, err = tx.CertificatesByApplication(ctx, "A-1")
		if err != nil {
			return err
		}
		if !slices.Equal(serials(got), []string{"NCA RSA/01", "NCA GOST/01"}) {
			t.Errorf("by application: %v", serials(got))
		}
		if got, err = tx.CertificatesByApplication(ctx, ""); err != nil || len(got) != 0 {
			t.Errorf("by empty application: %v, %v", serials(got), err)
		}
		got, err = tx.CertificatesByIIN(ctx, "871008401427")
		if err != nil {
			return err
		}
		if !slices.Equal(serials(got), []string{"NCA RSA/02", "NCA GOST/01", "NCA RSA/01"}) {
			t.Errorf("by IIN (newest first): %v", serials(got))
		}
		if got, err = tx.CertificatesByIIN(ctx, "000000000000"); err != nil || len(got) != 0 {
			t.Errorf("by unknown IIN: %v, %v", serials(got), err)
		}
		c, err := tx.CertificateByKeyHash(ctx, "k3")
		if err != nil {
			return err
		}
		equal(t, "by key hash", c, c3)
		_, err = tx.CertificateByKeyHash(ctx, "k404")
		wantIs(t, "by unknown key hash", err, core.ErrNotFound)
		used, err := tx.CertifiedKeyHashes(ctx, []string{"k404", "k3", "k1"})
		if err != nil {
			return err
		}
		slices.Sort(used)
		if !slices.Equal(used, []string{"k1", "k3"}) {
			t.Errorf("certified key hashes of k404, k3, k1: %v, want k1 and k3", used)
		}
		if used, err = tx.CertifiedKeyHashes(ctx, []string{"k404"}); err != nil || len(used) != 0 {
			t.Errorf("certified key hashes of k404: %v, %v", used, err)
		}
		if used, err = tx.CertifiedKeyHashes(ctx, nil); err != nil || len(used) != 0 {
			t.Errorf("certified key hashes of none: %v, %v", used, err)
		}
		return nil
	})
}

func testCertificateDuplicates(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k1")) })
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA RSA", "01", "k2")) })
	wantIs(t, "duplicate serial", err, core.ErrDuplicate)
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA RSA", "02", "k1")) })
	wantIs(t, "duplicate key hash", err, core.ErrDuplicate)
	err = s.Tx(ctx, func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA GOST", "01", "k1")) })
	wantIs(t, "duplicate key hash under another issuer", err, core.ErrDuplicate)
	// The same serial under another issuer is a different certificate.
	write(t, s, func(tx store.Tx) error { return tx.InsertCertificate(ctx, cert("NCA GOST", "01", "k3")) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.CertificatesBySerial(ctx, "01")
		if err != nil {
			return err
		}
		if len(got) != 2 {
			t.Fatalf("after duplicates: %v", serials(got))
		}
		return nil
	})
}

func testRevoke(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := cert("NCA RSA", "01", "k1"), cert("NCA RSA", "02", "k2")
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertCertificate(ctx, a); err != nil {
			return err
		}
		return tx.InsertCertificate(ctx, b)
	})
	write(t, s, func(tx store.Tx) error {
		if err := tx.RevokeCertificate(ctx, "NCA RSA", "01", core.ReasonKeyCompromise, at(time.Hour), ptr(at(-time.Hour))); err != nil {
			return err
		}
		return tx.RevokeCertificate(ctx, "NCA RSA", "02", core.ReasonAffiliationChanged, at(2*time.Hour), nil)
	})
	a.Status, a.Reason, a.RevokedAt, a.InvalidityDate = core.CertRevoked, core.ReasonKeyCompromise, ptr(at(time.Hour)), ptr(at(-time.Hour))
	b.Status, b.Reason, b.RevokedAt = core.CertRevoked, core.ReasonAffiliationChanged, ptr(at(2*time.Hour))
	read(t, s, func(tx store.Tx) error {
		for _, want := range []*core.Certificate{a, b} {
			got, err := tx.GetCertificate(ctx, want.Issuer, want.Serial)
			if err != nil {
				return err
			}
			equal(t, "revoked "+want.Serial, got, want)
		}
		return nil
	})
	err := s.Tx(ctx, func(tx store.Tx) error {
		return tx.RevokeCertificate(ctx, "NCA RSA", "01", core.ReasonSuperseded, at(3*time.Hour), nil)
	})
	wantKind(t, "revoke twice", err, core.KindConflict)
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetCertificate(ctx, "NCA RSA", "01")
		if err != nil {
			return err
		}
		equal(t, "after second revocation", got, a)
		return nil
	})
	err = s.Tx(ctx, func(tx store.Tx) error {
		return tx.RevokeCertificate(ctx, "NCA RSA", "404", core.ReasonSuperseded, at(0), nil)
	})
	wantIs(t, "revoke unknown", err, core.ErrNotFound)
}

func testRevokedEntries(t *testing.T, s store.Store) {
	ctx := context.Background()
	cutoff := at(100 * time.Hour)
	type c struct {
		issuer, serial string
		notAfter       time.Duration
		revoke         bool
		invalidity     bool
	}
	cs := []c{
		{"A", "0c", 200 * time.Hour, true, true},
		{"A", "0a", 200 * time.Hour, true, false},
		{"A", "0b", 200 * time.Hour, false, false}, // good
		{"A", "0d", 50 * time.Hour, true, false},   // expired before the cutoff
		{"A", "0e", 100 * time.Hour, true, false},  // expires exactly at the cutoff
		{"A", "ff", 300 * time.Hour, true, false},
		{"B", "0a", 200 * time.Hour, true, false}, // another issuer
	}
	write(t, s, func(tx store.Tx) error {
		for i, x := range cs {
			ct := cert(x.issuer, x.serial, fmt.Sprintf("k%d", i))
			ct.NotAfter = at(x.notAfter)
			if err := tx.InsertCertificate(ctx, ct); err != nil {
				return err
			}
			if !x.revoke {
				continue
			}
			var inv *time.Time
			if x.invalidity {
				inv = ptr(at(-time.Duration(i) * time.Hour))
			}
			if err := tx.RevokeCertificate(ctx, x.issuer, x.serial, core.RevocationReason(i), at(time.Duration(i)*time.Minute), inv); err != nil {
				return err
			}
		}
		return nil
	})
	want := []core.RevokedEntry{
		{Serial: "0a", RevokedAt: at(time.Minute), Reason: 1, NotAfter: at(200 * time.Hour)},
		{Serial: "0c", RevokedAt: at(0), Reason: 0, InvalidityDate: ptr(at(0)), NotAfter: at(200 * time.Hour)},
		{Serial: "ff", RevokedAt: at(5 * time.Minute), Reason: 5, NotAfter: at(300 * time.Hour)},
	}
	read(t, s, func(tx store.Tx) error {
		var got []core.RevokedEntry
		if err := tx.RevokedEntries(ctx, "A", cutoff, func(e core.RevokedEntry) error {
			got = append(got, e)
			return nil
		}); err != nil {
			return err
		}
		equal(t, "revoked entries", got, want)

		stop := errors.New("stop")
		calls := 0
		err := tx.RevokedEntries(ctx, "A", cutoff, func(core.RevokedEntry) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("fn error: got %v after %d calls, want stop after 1", err, calls)
		}
		calls = 0
		if err := tx.RevokedEntries(ctx, "C", cutoff, func(core.RevokedEntry) error { calls++; return nil }); err != nil || calls != 0 {
			t.Fatalf("unknown issuer: %v, %d calls", err, calls)
		}
		return nil
	})
}

func testRevokedSince(t *testing.T, s store.Store) {
	ctx := context.Background()
	type c struct {
		issuer, serial string
		notAfter       time.Duration
		revokedAt      time.Duration // < 0: not revoked
	}
	cs := []c{
		{"A", "01", 200 * time.Hour, 10 * time.Minute},
		{"A", "02", 200 * time.Hour, 30 * time.Minute}, // exactly at since: included
		{"A", "03", 200 * time.Hour, 50 * time.Minute},
		{"A", "04", 200 * time.Hour, 40 * time.Minute},
		{"A", "05", 200 * time.Hour, -1},                // good
		{"A", "06", 20 * time.Minute, 45 * time.Minute}, // expired before the cutoff
		{"B", "07", 200 * time.Hour, 50 * time.Minute},  // another issuer
	}
	write(t, s, func(tx store.Tx) error {
		for i, x := range cs {
			ct := cert(x.issuer, x.serial, fmt.Sprintf("k%d", i))
			ct.NotAfter = at(x.notAfter)
			if err := tx.InsertCertificate(ctx, ct); err != nil {
				return err
			}
			if x.revokedAt >= 0 {
				if err := tx.RevokeCertificate(ctx, x.issuer, x.serial, core.ReasonSuperseded, at(x.revokedAt), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		var got []string
		if err := tx.RevokedSince(ctx, "A", at(30*time.Minute), at(time.Hour), func(e core.RevokedEntry) error {
			if e.Reason != core.ReasonSuperseded || e.NotAfter.IsZero() {
				t.Errorf("entry %+v", e)
			}
			got = append(got, e.Serial)
			return nil
		}); err != nil {
			return err
		}
		equal(t, "revoked since, in revocation order", got, []string{"02", "04", "03"})
		stop := errors.New("stop")
		if err := tx.RevokedSince(ctx, "A", at(0), at(0), func(core.RevokedEntry) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("fn error: %v", err)
		}
		return nil
	})
}

func testCertificateStatus(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertCertificate(ctx, cert("A", "0a", "k1")); err != nil {
			return err
		}
		if err := tx.InsertCertificate(ctx, cert("A", "0b", "k2")); err != nil {
			return err
		}
		return tx.RevokeCertificate(ctx, "A", "0b", core.ReasonKeyCompromise, at(time.Hour), ptr(at(-time.Hour)))
	})
	read(t, s, func(tx store.Tx) error {
		good, err := tx.CertificateStatus(ctx, "A", "0a")
		if err != nil {
			return err
		}
		equal(t, "good status", good, store.CertStatus{Status: core.CertGood, NotBefore: at(0), NotAfter: at(365 * 24 * time.Hour)})
		rev, err := tx.CertificateStatus(ctx, "A", "0b")
		if err != nil {
			return err
		}
		equal(t, "revoked status", rev, store.CertStatus{Status: core.CertRevoked, NotBefore: at(0), NotAfter: at(365 * 24 * time.Hour),
			RevokedAt: ptr(at(time.Hour)), Reason: core.ReasonKeyCompromise, InvalidityDate: ptr(at(-time.Hour))})
		_, err = tx.CertificateStatus(ctx, "B", "0a")
		wantIs(t, "status of unknown certificate", err, core.ErrNotFound)
		return nil
	})
}

func testCRLNumbers(t *testing.T, s store.Store) {
	ctx := context.Background()
	next := func(issuer string) int64 {
		t.Helper()
		var n int64
		write(t, s, func(tx store.Tx) (err error) {
			n, err = tx.NextCRLNumber(ctx, issuer)
			return err
		})
		return n
	}
	for want := int64(1); want <= 3; want++ {
		if got := next("A"); got != want {
			t.Fatalf("issuer A: CRL number %d, want %d", got, want)
		}
	}
	if got := next("B"); got != 1 {
		t.Fatalf("issuer B starts at %d, want 1", got)
	}
	// Several numbers in one transaction.
	write(t, s, func(tx store.Tx) error {
		for want := int64(4); want <= 5; want++ {
			n, err := tx.NextCRLNumber(ctx, "A")
			if err != nil {
				return err
			}
			if n != want {
				t.Fatalf("in one Tx: %d, want %d", n, want)
			}
		}
		return nil
	})
	// A rolled-back number is given again; numbers never go backwards.
	fail := errors.New("fail")
	err := s.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.NextCRLNumber(ctx, "A"); err != nil {
			return err
		}
		return fail
	})
	wantIs(t, "rolled back", err, fail)
	if got := next("A"); got != 6 {
		t.Fatalf("after rollback: %d, want 6", got)
	}
	if got := next("B"); got != 2 {
		t.Fatalf("issuer B: %d, want 2", got)
	}
}

func testChallenges(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := store.Challenge{ID: "ch-1", Nonce: []byte{0, 1, 2, 0xfe, 0xff}, CreatedAt: at(0), ExpiresAt: at(5 * time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.PutChallenge(ctx, c) })
	err := s.Tx(ctx, func(tx store.Tx) error { return tx.PutChallenge(ctx, c) })
	wantIs(t, "duplicate challenge", err, core.ErrDuplicate)
	var got store.Challenge
	write(t, s, func(tx store.Tx) (err error) {
		got, err = tx.TakeChallenge(ctx, "ch-1")
		return err
	})
	equal(t, "challenge", got, c)
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.TakeChallenge(ctx, "ch-1")
		return err
	})
	wantIs(t, "challenge taken twice", err, core.ErrNotFound)
	err = s.Tx(ctx, func(tx store.Tx) error {
		_, err := tx.TakeChallenge(ctx, "ch-404")
		return err
	})
	wantIs(t, "unknown challenge", err, core.ErrNotFound)
	// A take rolled back leaves the challenge in place.
	c2 := store.Challenge{ID: "ch-2", Nonce: []byte{9}, CreatedAt: at(0), ExpiresAt: at(time.Minute)}
	write(t, s, func(tx store.Tx) error { return tx.PutChallenge(ctx, c2) })
	fail := errors.New("fail")
	_ = s.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.TakeChallenge(ctx, "ch-2"); err != nil {
			return err
		}
		return fail
	})
	write(t, s, func(tx store.Tx) (err error) {
		got, err = tx.TakeChallenge(ctx, "ch-2")
		return err
	})
	equal(t, "challenge after rolled-back take", got, c2)
}

func auditRecord(i int) core.AuditRecord {
	return core.AuditRecord{
		At:      at(time.Duration(i) * time.Second),
		Actor:   fmt.Sprintf("operator:%d", i),
		Action:  "application.accept",
		Object:  fmt.Sprintf("A-%d", i),
		Address: "192.0.2.10",
		Detail:  fmt.Sprintf("detail %d — қабылданды", i),
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	var appended []core.AuditRecord
	appendN := func(from, to int) {
		write(t, s, func(tx store.Tx) error {
			for i := from; i < to; i++ {
				r := auditRecord(i)
				if err := tx.AppendAudit(ctx, &r); err != nil {
					return err
				}
				if r.Seq != int64(i+1) {
					t.Fatalf("record %d got seq %d", i, r.Seq)
				}
				appended = append(appended, r)
			}
			return nil
		})
	}
	appendN(0, 3)
	// A rolled-back append leaves no gap and no fork.
	fail := errors.New("fail")
	_ = s.Tx(ctx, func(tx store.Tx) error {
		r := auditRecord(99)
		if err := tx.AppendAudit(ctx, &r); err != nil {
			return err
		}
		return fail
	})
	appendN(3, 5)
	if appended[0].PrevHash != audit.Genesis {
		t.Fatalf("first record's prev hash %q, want genesis", appended[0].PrevHash)
	}
	for i, r := range appended {
		if r.Hash != audit.Hash(r.PrevHash, r) {
			t.Fatalf("record %d: hash does not recompute", i)
		}
		if i > 0 && r.PrevHash != appended[i-1].Hash {
			t.Fatalf("record %d does not link to the previous one", i)
		}
	}
	read(t, s, func(tx store.Tx) error {
		all, err := tx.AuditLog(ctx, 0, 0)
		if err != nil {
			return err
		}
		equal(t, "audit log", all, appended)
		if err := audit.Verify(all, audit.Genesis); err != nil {
			t.Fatalf("verify: %v", err)
		}
		window, err := tx.AuditLog(ctx, 2, 2)
		if err != nil {
			return err
		}
		equal(t, "audit window", window, appended[2:4])
		if err := audit.Verify(window, appended[1].Hash); err != nil {
			t.Fatalf("verify window: %v", err)
		}
		rest, err := tx.AuditLog(ctx, 5, 10)
		if err != nil {
			return err
		}
		if len(rest) != 0 {
			t.Fatalf("after the last record: %d records", len(rest))
		}
		return nil
	})
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	fail := errors.New("domain failure")
	err := s.Tx(ctx, func(tx store.Tx) error {
		if err := tx.InsertApplication(ctx, fullApplication("A-1")); err != nil {
			return err
		}
		if err := tx.AddEvent(ctx, core.Event{Number: "A-1", At: at(0), To: core.StateAwaitingHead, Action: "submit", Actor: "x"}); err != nil {
			return err
		}
		if err := tx.InsertCertificate(ctx, cert("NCA", "01", "k1")); err != nil {
			return err
		}
		if err := tx.PutChallenge(ctx, store.Challenge{ID: "c", Nonce: []byte{1}, CreatedAt: at(0), ExpiresAt: at(time.Hour)}); err != nil {
			return err
		}
		r := auditRecord(1)
		if err := tx.AppendAudit(ctx, &r); err != nil {
			return err
		}
		if _, err := tx.NextCRLNumber(ctx, "NCA"); err != nil {
			return err
		}
		// Inside the transaction the writes are visible.
		if _, err := tx.GetApplication(ctx, "A-1"); err != nil {
			return err
		}
		return fail
	})
	if !errors.Is(err, fail) {
		t.Fatalf("Tx returned %v, want fn's error", err)
	}
	assertEmpty(t, s)

	// A panic in fn rolls back too, and the store stays usable.
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic not propagated")
			}
		}()
		_ = s.Tx(ctx, func(tx store.Tx) error {
			if err := tx.InsertApplication(ctx, fullApplication("A-1")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	assertEmpty(t, s)
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, fullApplication("A-1")) })
}

func assertEmpty(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.GetApplication(ctx, "A-1"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("application survived rollback: %v", err)
		}
		if ev, err := tx.Events(ctx, "A-1"); err != nil || len(ev) != 0 {
			t.Fatalf("events survived rollback: %v %v", ev, err)
		}
		if _, err := tx.GetCertificate(ctx, "NCA", "01"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("certificate survived rollback: %v", err)
		}
		if log, err := tx.AuditLog(ctx, 0, 0); err != nil || len(log) != 0 {
			t.Fatalf("audit survived rollback: %v %v", log, err)
		}
		return nil
	})
	// Probe the write-only lookups in a transaction that is rolled back in turn.
	probed := errors.New("probed")
	err := s.Tx(ctx, func(tx store.Tx) error {
		if _, err := tx.TakeChallenge(ctx, "c"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("challenge survived rollback: %v", err)
		}
		if n, err := tx.NextCRLNumber(ctx, "NCA"); err != nil || n != 1 {
			t.Fatalf("CRL number after rollback: %d %v, want 1", n, err)
		}
		return probed
	})
	wantIs(t, "probe", err, probed)
}

func testReadOnly(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.Read(ctx, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	if err == nil {
		t.Fatal("write inside Read succeeded")
	}
	err = s.Read(ctx, func(tx store.Tx) error {
		_, err := tx.NextCRLNumber(ctx, "A")
		return err
	})
	if err == nil {
		t.Fatal("NextCRLNumber inside Read succeeded")
	}
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.GetApplication(ctx, "A-1"); !errors.Is(err, core.ErrNotFound) {
			t.Fatalf("write inside Read was stored: %v", err)
		}
		return nil
	})
	// Read returns fn's error.
	fail := errors.New("fail")
	if err := s.Read(ctx, func(store.Tx) error { return fail }); !errors.Is(err, fail) {
		t.Fatalf("Read returned %v, want fn's error", err)
	}
}

func testContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Tx(ctx, func(tx store.Tx) error {
		ran = true
		return tx.InsertApplication(ctx, minimalApplication("A-1"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Tx with a cancelled context: %v (fn ran: %v)", err, ran)
	}
	err = s.Read(ctx, func(tx store.Tx) error {
		_, err := tx.GetApplication(ctx, "A-1")
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with a cancelled context: %v", err)
	}
	assertEmpty(t, s)
}

func testConcurrentCRLNumbers(t *testing.T, s store.Store) {
	ctx := context.Background()
	const workers, each = 8, 50
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				var n int64
				if err := s.Tx(ctx, func(tx store.Tx) (err error) {
					n, err = tx.NextCRLNumber(ctx, "NCA")
					return err
				}); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		}()
	}
	// Readers run alongside the writers.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			if err := s.Read(ctx, func(tx store.Tx) error {
				_, err := tx.AuditLog(ctx, 0, 10)
				return err
			}); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent NextCRLNumber: %v", err)
	}
	slices.Sort(got)
	if len(got) != workers*each {
		t.Fatalf("%d numbers, want %d", len(got), workers*each)
	}
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("numbers not distinct and contiguous: position %d holds %d", i, n)
		}
	}
}

func testConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, func(tx store.Tx) error { return tx.InsertApplication(ctx, minimalApplication("A-1")) })
	const workers = 8
	results := make([]error, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[w] = s.Tx(ctx, func(tx store.Tx) error {
				a, err := tx.GetApplication(ctx, "A-1")
				if err != nil {
					return err
				}
				a.State, a.Operator = core.StateAccepted, fmt.Sprintf("operator-%d", w)
				return tx.UpdateApplication(ctx, a, core.StateAwaitingIdentification)
			})
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for w, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("workers %d and %d both won", winner, w)
		case err == nil:
			winner = w
		default:
			wantKind(t, fmt.Sprintf("worker %d", w), err, core.KindConflict)
		}
	}
	if winner < 0 {
		t.Fatal("no worker won")
	}
	read(t, s, func(tx store.Tx) error {
		a, err := tx.GetApplication(ctx, "A-1")
		if err != nil {
			return err
		}
		if a.State != core.StateAccepted || a.Operator != fmt.Sprintf("operator-%d", winner) {
			t.Fatalf("stored %s by %s, want accepted by operator-%d", a.State, a.Operator, winner)
		}
		return nil
	})
}

// testConcurrentAudit: appenders running at once, in every kind of transaction,
// leave one unbroken chain with every record.
func testConcurrentAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := auditRecord(w*each + i)
				// Each worker appends its own way: first statement of a Tx, inside a
				// Pipeline, in a TxNoSync, after a read.
				var err error
				switch w % 4 {
				case 0:
					err = s.Tx(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, &r) })
				case 1:
					err = s.Tx(ctx, func(tx store.Tx) error {
						return tx.Pipeline(ctx, func() error { return tx.AppendAudit(ctx, &r) })
					})
				case 2:
					err = s.TxNoSync(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, &r) })
				case 3:
					err = s.Tx(ctx, func(tx store.Tx) error {
						if _, err := tx.AuditLog(ctx, 0, 1); err != nil {
							return err
						}
						return tx.AppendAudit(ctx, &r)
					})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent AppendAudit: %v", err)
	}
	read(t, s, func(tx store.Tx) error {
		log, err := tx.AuditLog(ctx, 0, 1000)
		if err != nil {
			return err
		}
		if len(log) != workers*each {
			t.Fatalf("%d records, want %d", len(log), workers*each)
		}
		if err := audit.Verify(log, audit.Genesis); err != nil {
			t.Fatalf("verify: %v", err)
		}
		return nil
	})
}

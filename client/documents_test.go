package client

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/opennca/nca/api/wire"
)

func pdfAnswer(w http.ResponseWriter, _ *http.Request, _ []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write([]byte("%PDF-1.7 fake"))
}

func TestDocumentsAndLookups(t *testing.T) {
	f, c := newFake(t)
	ctx := context.Background()
	f.answers["GET /api/v1/applications/7K2QM-9XH4B-R3T8V-0PZ1C/form.pdf"] = pdfAnswer
	f.answers["GET /api/v1/desk/applications/7K2QM-9XH4B-R3T8V-0PZ1C/form.pdf"] = pdfAnswer
	f.answers["GET /api/v1/desk/receipts/R-20261123-7QK2M4ZT9B/pdf"] = pdfAnswer
	f.answers["GET /api/v1/registry/persons/871008401427"] = jsonAnswer(200, wire.PersonLookup{IIN: "871008401427", Surname: "Тестова", Age: 39})
	f.answers["GET /api/v1/registry/organizations/940140000385"] = jsonAnswer(200, wire.OrganizationLookup{BIN: "940140000385", Name: "АО Тест"})

	pdf, err := c.ApplicationForm(ctx, "7K2QM-9XH4B-R3T8V-0PZ1C", "tok/+=", "kk")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("ApplicationForm = %q, %v", pdf, err)
	}
	if q := f.last().RawQuery; q != "lang=kk&token=tok%2F%2B%3D" {
		t.Errorf("form query %q", q)
	}
	c.SetToken("staff")
	if _, err := c.DeskApplicationForm(ctx, "7K2QM-9XH4B-R3T8V-0PZ1C", ""); err != nil {
		t.Fatal(err)
	}
	if r := f.last(); r.RawQuery != "" || r.Auth != "Bearer staff" {
		t.Errorf("desk form request %+v", r)
	}
	if _, err := c.ReceiptPDF(ctx, "R-20261123-7QK2M4ZT9B", "en"); err != nil {
		t.Fatal(err)
	}
	if q := f.last().RawQuery; q != "lang=en" {
		t.Errorf("receipt query %q", q)
	}
	p, err := c.Person(ctx, "871008401427")
	if err != nil || p.Surname != "Тестова" || p.Age != 39 {
		t.Fatalf("Person = %+v, %v", p, err)
	}
	o, err := c.Organization(ctx, "940140000385")
	if err != nil || o.Name != "АО Тест" {
		t.Fatalf("Organization = %+v, %v", o, err)
	}
	_, err = c.ReceiptPDF(ctx, "R-1", "")
	if pr, ok := AsProblem(err); !ok || pr.StatusCode != 404 {
		t.Fatalf("unknown receipt: %v", err)
	}
}

package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/opennca/nca/api/wire"
)

// langQuery is the ?lang= of a PDF request; "" asks for the server's default.
func langQuery(lang string) url.Values {
	if lang == "" {
		return nil
	}
	return url.Values{"lang": {lang}}
}

// ApplicationForm returns the printable form (PDF) of application number, opened with
// the form token of its SubmitResponse (GET /api/v1/applications/{number}/form.pdf).
// lang is kk, ru, en or "" for the applicant's language.
func (c *Client) ApplicationForm(ctx context.Context, number, token, lang string) ([]byte, error) {
	q := langQuery(lang)
	if q == nil {
		q = url.Values{}
	}
	q.Set("token", token)
	return c.doRaw(ctx, http.MethodGet, appPath(number, "/form.pdf"), q, nil, "application/pdf, application/problem+json")
}

// DeskApplicationForm returns the printable form (PDF) of application number for
// staff (GET /api/v1/desk/applications/{number}/form.pdf).
func (c *Client) DeskApplicationForm(ctx context.Context, number, lang string) ([]byte, error) {
	return c.doRaw(ctx, http.MethodGet, deskPath(number, "/form.pdf"), langQuery(lang), nil, "application/pdf, application/problem+json")
}

// ReceiptPDF returns a desk receipt or refusal receipt (PDF) by its number, for staff
// (GET /api/v1/desk/receipts/{receipt_number}/pdf). lang "" asks for Russian.
func (c *Client) ReceiptPDF(ctx context.Context, receipt, lang string) ([]byte, error) {
	return c.doRaw(ctx, http.MethodGet, wire.PathReceipts+url.PathEscape(receipt)+"/pdf", langQuery(lang), nil, "application/pdf, application/problem+json")
}

// Person returns the state registry's name of an IIN
// (GET /api/v1/registry/persons/{iin}).
func (c *Client) Person(ctx context.Context, iin string) (*wire.PersonLookup, error) {
	var out wire.PersonLookup
	if err := c.do(ctx, http.MethodGet, wire.PathPersons+url.PathEscape(iin), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Organization returns the state registry's name of a BIN
// (GET /api/v1/registry/organizations/{bin}).
func (c *Client) Organization(ctx context.Context, bin string) (*wire.OrganizationLookup, error) {
	var out wire.OrganizationLookup
	if err := c.do(ctx, http.MethodGet, wire.PathOrganizations+url.PathEscape(bin), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

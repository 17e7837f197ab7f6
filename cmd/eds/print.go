package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
)

// Output conventions (docs/eds.md): one "key: value" per line, times in RFC 3339 UTC,
// lists as repeated keys or indented "  - " items, nothing else on stdout; warnings and
// prompts go to stderr.

// fmtTime formats t as RFC 3339 in UTC, or "-" for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// oneLine folds text onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printDocuments prints a checklist under heading: "heading:" then one
// "  - <id>: <title> (required|optional)" per document.
func printDocuments(w io.Writer, heading string, docs []wire.Document) {
	fmt.Fprintf(w, "%s:\n", heading)
	if len(docs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, d := range docs {
		req := "optional"
		if d.Required {
			req = "required"
		}
		fmt.Fprintf(w, "  - %s: %s (%s)\n", d.ID, oneLine(d.Title), req)
	}
}

// printHistory prints "history:" then one line per event:
// "  <time> <action> <from> -> <to> by <actor>[: <detail>]" (from is "-" for the first).
func printHistory(w io.Writer, events []core.Event) {
	fmt.Fprintln(w, "history:")
	if len(events) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, e := range events {
		from := string(e.From)
		if from == "" {
			from = "-"
		}
		line := fmt.Sprintf("  %s %s %s -> %s", fmtTime(e.At), e.Action, from, e.To)
		if e.Actor != "" {
			line += " by " + e.Actor
		}
		if e.Detail != "" {
			line += ": " + oneLine(e.Detail)
		}
		fmt.Fprintln(w, line)
	}
}

// printStatus prints an application's public status.
func printStatus(w io.Writer, st *wire.Status) {
	fmt.Fprintf(w, "number: %s\n", st.Number)
	fmt.Fprintf(w, "template: %s\n", st.Template)
	fmt.Fprintf(w, "state: %s\n", st.State)
	fmt.Fprintf(w, "created: %s\n", fmtTime(st.CreatedAt))
	fmt.Fprintf(w, "deadline: %s\n", fmtTime(st.Deadline))
	if st.RefusalReason != "" {
		fmt.Fprintf(w, "refusal reason: %s\n", st.RefusalReason)
	}
	if st.RefusalDetail != "" {
		fmt.Fprintf(w, "refusal detail: %s\n", oneLine(st.RefusalDetail))
	}
	if len(st.MissingDocuments) > 0 {
		fmt.Fprintf(w, "missing documents: %s\n", strings.Join(st.MissingDocuments, ", "))
	}
	for _, s := range st.Certificates {
		fmt.Fprintf(w, "certificate: %s\n", s)
	}
	printHistory(w, wire.Events(st.History))
}

// printReceipt prints a desk receipt.
func printReceipt(w io.Writer, r *wire.Receipt) {
	fmt.Fprintf(w, "receipt: %s\n", r.ReceiptNumber)
	fmt.Fprintf(w, "application: %s\n", r.ApplicationNumber)
	fmt.Fprintf(w, "refused: %t\n", r.Refused)
	fmt.Fprintf(w, "date: %s\n", fmtTime(r.Date))
	fmt.Fprintf(w, "service: %s\n", oneLine(r.Service))
	fmt.Fprintf(w, "documents: %d\n", len(r.Documents))
	for _, d := range r.Documents {
		fmt.Fprintf(w, "  - %s\n", d)
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "missing: %d\n", len(r.Missing))
		for _, d := range r.Missing {
			fmt.Fprintf(w, "  - %s\n", d)
		}
	}
	// A refusal receipt gives no result: its date and place are not printed.
	if !r.ResultDate.IsZero() && !r.Refused {
		fmt.Fprintf(w, "result date: %s\n", fmtTime(r.ResultDate))
	}
	if r.ResultPlace != "" && !r.Refused {
		fmt.Fprintf(w, "result place: %s\n", oneLine(r.ResultPlace))
	}
	fmt.Fprintf(w, "operator: %s\n", r.Operator)
	fmt.Fprintf(w, "applicant: %s\n", withPhone(r.Applicant, r.ApplicantPhone))
	if r.Representative != "" {
		fmt.Fprintf(w, "representative: %s\n", withPhone(r.Representative, r.RepresentativePhone))
	}
}

func withPhone(name, phone string) string {
	if phone == "" {
		return name
	}
	return name + ", " + phone
}

// printIssued prints one "certificate: <serial> <type> <status> <not after>" line per
// issued certificate.
func printIssued(w io.Writer, certs []wire.IssuedCertificate) {
	for _, c := range certs {
		fmt.Fprintf(w, "certificate: %s %s %s %s\n", c.Serial, c.Type, c.Status, fmtTime(c.NotAfter))
	}
}

// writeTable prints rows as columns separated by at least two spaces, without
// trailing blanks. Widths count runes (Cyrillic and Kazakh letters are one column).
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

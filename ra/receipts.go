package ra

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
	"github.com/opennca/nca/store"
)

// receiptNumber is the form of a receipt number: R-<yyyymmdd>-<10 characters of
// Crockford's base32>.
var receiptNumber = regexp.MustCompile(`^R-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{10}$`)

// NormalizeReceiptNumber checks a receipt number typed by a person and returns it in
// its stored form (upper case, no surrounding spaces).
func NormalizeReceiptNumber(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if !receiptNumber.MatchString(n) {
		return "", core.Errorf(core.KindInvalid, "%q is not a receipt number (R-YYYYMMDD- and 10 letters or digits, as printed on the receipt)", s)
	}
	return n, nil
}

// record is the stored form of a receipt.
func (r *Receipt) record() *store.Receipt {
	return &store.Receipt{
		Number: r.Number, Application: r.Application, Template: r.Template, Refused: r.Refused,
		IssuedAt: r.Date.UTC(), Documents: r.DocumentIDs, Missing: r.MissingIDs,
		ResultDate: r.ResultDate.UTC(), ResultPlace: r.ResultPlace,
		Operator: r.Operator, OperatorIIN: r.OperatorIIN,
		Applicant: r.Applicant, ApplicantPhone: r.ApplicantPhone,
		Representative: r.Representative, RepresentativePhone: r.RepresentativePhone,
	}
}

// fromRecord rebuilds a receipt from its stored form, with times in the zone of the
// registration centres.
func (s *Service) fromRecord(rec *store.Receipt) (*Receipt, error) {
	r := &Receipt{
		Number: rec.Number, Application: rec.Application, Template: rec.Template, Refused: rec.Refused,
		Date: rec.IssuedAt.In(s.loc), Service: serviceName, DocumentIDs: rec.Documents, MissingIDs: rec.Missing,
		ResultDate: rec.ResultDate.In(s.loc), ResultPlace: rec.ResultPlace,
		Operator: rec.Operator, OperatorIIN: rec.OperatorIIN,
		Applicant: rec.Applicant, ApplicantPhone: rec.ApplicantPhone,
		Representative: rec.Representative, RepresentativePhone: rec.RepresentativePhone,
	}
	ds, err := checklistDocuments(rec.Template, rec.Documents)
	if err != nil {
		return nil, err
	}
	ms, err := checklistDocuments(rec.Template, rec.Missing)
	if err != nil {
		return nil, err
	}
	r.Documents, r.Missing = titles(ds, "en"), titles(ms, "en")
	return r, nil
}

// Receipt returns a receipt given at a desk (the desk receipt or the refusal
// receipt), for staff only: it carries the applicant's name and phone.
func (s *Service) Receipt(ctx context.Context, actor Actor, number string) (*Receipt, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	n, err := NormalizeReceiptNumber(number)
	if err != nil {
		return nil, err
	}
	var rec *store.Receipt
	err = s.store.ReadOne(ctx, func(tx store.Tx) error {
		var err error
		rec, err = tx.GetReceipt(ctx, n)
		return err
	})
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "no receipt with number %s", n)
	}
	if err != nil {
		return nil, err
	}
	return s.fromRecord(rec)
}

// checklistDocuments returns the documents of a template's checklist with these IDs,
// in the order of ids.
func checklistDocuments(template string, ids []string) ([]profile.Document, error) {
	t, ok := profile.Lookup(template)
	if !ok {
		return nil, fmt.Errorf("ra: receipt of unknown template %q", template)
	}
	out := make([]profile.Document, 0, len(ids))
	for _, id := range ids {
		i := slices.IndexFunc(t.Documents, func(d profile.Document) bool { return d.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("ra: receipt names document %q, not on the checklist of template %s", id, template)
		}
		out = append(out, t.Documents[i])
	}
	return out, nil
}

// Location returns the time zone of the registration centres, in which receipts and
// forms print their dates.
func (s *Service) Location() *time.Location { return s.loc }

package forms

import (
	"fmt"
	"strings"
	"time"

	"github.com/opennca/nca/profile"
)

// Receipt is what a receipt prints. Documents and Missing are checklist document IDs
// of Template (profile.Document.ID); they print under their titles in the language
// of the receipt.
type Receipt struct {
	Number      string
	Application string
	Template    string
	Refused     bool
	// Date is when the desk issued the receipt, ResultDate when the result is due;
	// both print in their own location (the registration centre's).
	Date       time.Time
	ResultDate time.Time
	Documents  []string
	Missing    []string
	// Deadline, when set on a refusal receipt, is until when the application waits
	// for a complete visit.
	Deadline time.Time
	// Operator is the name of the operator who received the documents and
	// OperatorIIN their IIN, printed after it under the IIN's label of the language.
	Operator            string
	OperatorIIN         string
	Applicant           string
	ApplicantPhone      string
	Representative      string
	RepresentativePhone string
}

// DeskReceipt renders r: the desk receipt of an accepted application (SPEC §3 step
// 3: number and date, service, the documents received, date and place of the
// result, the operator, the applicant and representative with phones), or, when
// r.Refused, the refusal receipt of seed 002 annex 9 listing the missing documents.
func DeskReceipt(r Receipt, lang string) ([]byte, error) {
	t, ok := profile.Lookup(r.Template)
	if !ok {
		return nil, fmt.Errorf("forms: receipt %s has unknown template %q", r.Number, r.Template)
	}
	lang, _ = Lang(lang)
	docs, err := documentTitles(t, r.Documents, lang)
	if err != nil {
		return nil, err
	}
	missing, err := documentTitles(t, r.Missing, lang)
	if err != nil {
		return nil, err
	}
	title := lReceiptTitle
	if r.Refused {
		title = lRefusalTitle
	}
	d, err := newDoc(title.in(lang)+" "+r.Number, r.Date)
	if err != nil {
		return nil, err
	}
	d.text(lAuthority.in(lang), "", 8, 0, "")
	d.space(10)
	d.text(title.in(lang), "B", 13, 0, "C")
	d.space(8)
	d.field(lReceiptNumber.in(lang), r.Number)
	d.field(lReceiptDate.in(lang), clock(r.Date, lang))
	d.field(lApplication.in(lang), r.Application)
	d.field(lService.in(lang), lServiceName.in(lang))
	d.field(lTemplate.in(lang), t.Title[lang])
	d.rule()
	if r.Refused {
		d.para(fmt.Sprintf(lRefusalText.in(lang), lServiceName.in(lang)))
		d.heading(lMissingDocs.in(lang))
		for i, m := range missing {
			d.item(fmt.Sprintf("%d)", i+1), m+";")
		}
		if !r.Deadline.IsZero() {
			d.space(4)
			d.para(fmt.Sprintf(lStillValid.in(lang), r.Deadline.Format("02.01.2006")))
		}
	}
	d.heading(fmt.Sprintf(lDocsReceived.in(lang), len(docs)))
	if len(docs) == 0 {
		d.para(lNoDocs.in(lang))
	}
	for i, x := range docs {
		d.item(fmt.Sprintf("%d.", i+1), x)
	}
	d.space(6)
	if !r.Refused {
		d.field(lResultDate.in(lang), clock(r.ResultDate, lang))
		d.field(lResultPlace.in(lang), fmt.Sprintf(lResultOnline.in(lang), r.Application))
	}
	d.field(lApplicant.in(lang), r.Applicant)
	d.field(lApplicantTel.in(lang), r.ApplicantPhone)
	if r.Representative != "" || r.RepresentativePhone != "" {
		d.field(lRepr.in(lang), r.Representative)
		d.field(lReprTel.in(lang), r.RepresentativePhone)
	}
	operator := r.Operator
	if r.OperatorIIN != "" {
		operator += " (" + fieldLabels["iin"].in(lang) + " " + r.OperatorIIN + ")"
	}
	d.field(lOperator.in(lang), strings.TrimSpace(operator))
	d.space(8)
	if r.Refused {
		d.para(lTwoCopies.in(lang))
		d.space(8)
	}
	d.para(lOperatorSig.in(lang) + " ____________________")
	d.space(10)
	d.para(lReceivedSig.in(lang) + " ____________________")
	return d.bytes()
}

// documentTitles returns the titles in lang of the checklist documents ids of t.
func documentTitles(t *profile.Template, ids []string, lang string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		var found bool
		for _, doc := range t.Documents {
			if doc.ID == id {
				title := doc.Title[lang]
				if title == "" {
					title = doc.Title["en"]
				}
				out, found = append(out, title), true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("forms: document %q is not on the checklist of template %s", id, t.ID)
		}
	}
	return out, nil
}

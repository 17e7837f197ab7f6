package forms

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"github.com/opennca/nca/internal/pdftext"
	"strings"
	"testing"
	"time"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/profile"
)

func wantText(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF text lacks %q\ntext: %s", w, text)
		}
	}
}

var almaty = time.FixedZone("UTC+5", 5*3600)

func application(template string) *core.Application {
	ap := profile.Sample(template)
	ap.Surname, ap.Name, ap.Patronymic = "Әбілқасымова", "Ғалия-Ңұрһүі", "Өтегенқызы"
	return &core.Application{
		Number: "7QK2M-4ZT9B-XC3DN-8HPRA", Template: template, State: core.StateAwaitingIdentification,
		Applicant: ap,
		Requests: []core.KeyRequest{
			{Type: core.CertSign, CSR: []byte("sign request")},
			{Type: core.CertAuth, CSR: []byte("auth request")},
		},
		CreatedAt: time.Date(2026, 11, 23, 11, 5, 0, 0, time.UTC),
	}
}

func TestApplicationFormEveryTemplate(t *testing.T) {
	consents := map[string][]string{
		"ru": {"С политикой соответствующих регистрационных свидетельств ознакомлен, возражений не имею.", "С пользовательским соглашением ознакомлен и принимаю его.", "Даю согласие на сбор и обработку моих персональных данных.", "Даю согласие на получение уведомлений по электронной почте."},
		"kk": {"Тиісті тіркеу куәліктерінің саясатымен таныстым, қарсылығым жоқ.", "Пайдаланушы келісімімен таныстым және оны қабылдаймын.", "Дербес деректерімді жинауға және өңдеуге келісемін.", "Электрондық пошта арқылы хабарламалар алуға келісемін."},
		"en": {"I have read the policy of the registration certificates and have no objections.", "I have read and accept the user agreement.", "I consent to the collection and processing of my personal data.", "I consent to receiving notifications by e-mail."},
	}
	signature := map[string][2]string{
		"ru": {"Подпись физического лица (представителя физического лица)", "Подпись сотрудника юридического лица (представителя юридического лица)"},
		"kk": {"Жеке тұлғаның (жеке тұлға өкілінің) қолы", "Заңды тұлға қызметкерінің (заңды тұлға өкілінің) қолы"},
		"en": {"Signature of the individual (or the individual's representative)", "Signature of the employee of the legal entity (or the legal entity's representative)"},
	}
	wantAnnex := map[string]string{
		profile.Individual: "2", profile.NonresidentIndividual: "2", profile.ENotariat: "5",
		profile.LegalEntity: "7", profile.Entrepreneur: "7", profile.NonresidentLegal: "7",
		profile.SSLIndividual: "10", profile.SSLLegal: "11", profile.Treasury: "12",
	}
	if len(profile.Templates()) != len(wantAnnex) {
		t.Fatalf("%d templates, %d mapped to annexes", len(profile.Templates()), len(wantAnnex))
	}
	for _, tpl := range profile.Templates() {
		for _, lang := range []string{"kk", "ru", "en"} {
			t.Run(tpl.ID+"/"+lang, func(t *testing.T) {
				a := application(tpl.ID)
				pdf, err := ApplicationForm(a, lang, almaty)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := Annex(tpl.ID); n != wantAnnex[tpl.ID] {
					t.Errorf("annex %q, want %q", n, wantAnnex[tpl.ID])
				}
				text := pdftext.Text(t, "", "doc.pdf", pdf)
				ap := a.Applicant
				wantText(t, text, a.Number, ap.IIN, "Әбілқасымова", "Ғалия-Ңұрһүі", "Өтегенқызы",
					ap.Region, ap.City, ap.Email, ap.Phone, tpl.Title[lang],
					"23.11.2026 16:05", // created at 11:05 UTC, printed in UTC+5
					annexes[tpl.ID].title.in(lang), annexes[tpl.ID].subtitle.in(lang))
				wantText(t, text, consents[lang]...)
				sig := signature[lang][0]
				if tpl.Legal {
					sig = signature[lang][1]
					wantText(t, text, ap.BIN, ap.Organization, roleNames[ap.Role].in(lang))
				}
				wantText(t, text, sig)
				if tpl.SSL {
					wantText(t, text, ap.Domain, "www.example.kz, mail.example.kz")
				}
				for _, v := range []string{ap.StateBodyCode, ap.RNN, ap.SystemRole, ap.ResidenceDocument} {
					if v != "" {
						wantText(t, text, v)
					}
				}
			})
		}
	}
}

// digest is the SHA-256 of s in hex, in groups of 8 as the form prints it.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	var parts []string
	for i := 0; i < len(h); i += 8 {
		parts = append(parts, h[i:i+8])
	}
	return strings.Join(parts, " ")
}

func TestApplicationFormLabelsAndKeys(t *testing.T) {
	a := application(profile.Individual)
	pdf, err := ApplicationForm(a, "ru", almaty)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, "", "doc.pdf", pdf)
	wantText(t, text, "Уникальный номер: 7QK2M-4ZT9B-XC3DN-8HPRA", "ИИН: 871008401427", "Фамилия: Әбілқасымова",
		"Имя: Ғалия-Ңұрһүі", "Отчество: Өтегенқызы", "Форма по приложению 2 к стандарту государственной услуги",
		"Срок действия регистрационных свидетельств: 1 год.", "Язык уведомлений: казахский",
		"Подпись (ЭЦП): запрос PKCS#10, SHA-256 "+digest("sign request"),
		"Аутентификация: запрос PKCS#10, SHA-256 "+digest("auth request"),
		"Дата: 23.11.2026")
	if strings.Contains(text, "ЖСН") || strings.Contains(text, "Surname") {
		t.Errorf("a Russian form carries labels of another language: %s", text)
	}
}

func TestRefusalReceiptListsMissingDocuments(t *testing.T) {
	r := Receipt{
		Number: "R-20261123-7QK2M4ZT9B", Application: "7QK2M-4ZT9B-XC3DN-8HPRA", Template: profile.LegalEntity, Refused: true,
		Date:      time.Date(2026, 11, 23, 16, 5, 0, 0, almaty),
		Documents: []string{profile.DocIdentity}, Missing: []string{profile.DocAppointmentOrder, profile.DocStateRegistration},
		Deadline: time.Date(2026, 12, 23, 16, 5, 0, 0, almaty),
		Operator: "Жұмабекова Әсел", OperatorIIN: "750101300123", Applicant: "Әбілқасымова Ғалия Өтегенқызы", ApplicantPhone: "+7 701 234 56 78",
		Representative: "Нұрланұлы Һадис", RepresentativePhone: "+7 702 000 00 01",
	}
	for lang, want := range map[string][]string{
		"ru": {"Расписка об отказе в приеме документов", "Наименование отсутствующих документов:",
			"1) " + docTitle(profile.DocAppointmentOrder, "ru") + ";", "2) " + docTitle(profile.DocStateRegistration, "ru") + ";",
			"Принятые документы (1):", "1. " + docTitle(profile.DocIdentity, "ru"), "Заявление действительно до 23.12.2026",
			"Настоящая расписка составлена в 2 экземплярах", "статьей 20 Закона Республики Казахстан «О государственных услугах»"},
		"kk": {"Құжаттарды қабылдаудан бас тарту туралы қолхат", "Жетіспейтін құжаттардың атауы:",
			"1) " + docTitle(profile.DocAppointmentOrder, "kk") + ";", "Осы қолхат әр тарапқа бір-бірден 2 данада жасалды."},
		"en": {"Receipt of refusal to accept the documents", "Missing documents:", "2) " + docTitle(profile.DocStateRegistration, "en") + ";"},
	} {
		t.Run(lang, func(t *testing.T) {
			pdf, err := DeskReceipt(r, lang)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftext.Text(t, "", "doc.pdf", pdf)
			wantText(t, text, want...)
			// The operator's IIN under the label of the receipt's language.
			iinLabel := map[string]string{"kk": "ЖСН", "ru": "ИИН", "en": "IIN"}[lang]
			wantText(t, text, r.Operator+" ("+iinLabel+" "+r.OperatorIIN+")", "23.11.2026 16:05 ("+lZone.in(lang)+")")
			wantText(t, text, r.Number, r.Application, "23.11.2026 16:05", r.Operator, r.Applicant, r.ApplicantPhone,
				r.Representative, r.RepresentativePhone, lServiceName.in(lang))
		})
	}
}

func TestDeskReceipt(t *testing.T) {
	r := Receipt{
		Number: "R-20261123-7QK2M4ZT9B", Application: "7QK2M-4ZT9B-XC3DN-8HPRA", Template: profile.Individual,
		Date:       time.Date(2026, 11, 27, 17, 40, 0, 0, almaty),
		ResultDate: time.Date(2026, 11, 30, 18, 30, 0, 0, almaty),
		Documents:  []string{profile.DocIdentity, profile.DocPowerOfAttorney},
		Operator:   "Жұмабекова Әсел", OperatorIIN: "750101300123", Applicant: "Әбілқасымова Ғалия Өтегенқызы", ApplicantPhone: "+7 701 234 56 78",
	}
	pdf, err := DeskReceipt(r, "ru")
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, "", "doc.pdf", pdf)
	wantText(t, text, "Расписка о приеме документов", "Номер расписки: R-20261123-7QK2M4ZT9B", "Дата и время обращения: 27.11.2026 17:40",
		"Номер заявления: 7QK2M-4ZT9B-XC3DN-8HPRA", "Принятые документы (2):", "1. "+docTitle(profile.DocIdentity, "ru"),
		"2. "+docTitle(profile.DocPowerOfAttorney, "ru"), "Дата выдачи результата: 30.11.2026 18:30",
		"онлайн: страница статуса заявления 7QK2M-4ZT9B-XC3DN-8HPRA", "Ф.И.О. работника, принявшего документы: Жұмабекова Әсел (ИИН 750101300123)",
		"Ф.И.О. услугополучателя: Әбілқасымова Ғалия Өтегенқызы", "Телефон услугополучателя: +7 701 234 56 78")
	for _, no := range []string{"отказ", "Ф.И.О. представителя"} {
		if strings.Contains(text, no) {
			t.Errorf("a desk receipt without representative prints %q: %s", no, text)
		}
	}
}

func docTitle(id, lang string) string {
	for _, tpl := range profile.Templates() {
		for _, d := range tpl.Documents {
			if d.ID == id {
				return d.Title[lang]
			}
		}
	}
	return "unknown document " + id
}

func TestFormsDeterministicAndErrors(t *testing.T) {
	a := application(profile.SSLLegal)
	p1, err := ApplicationForm(a, "en", almaty)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := ApplicationForm(a, "en", almaty)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p1, p2) {
		t.Error("the same application renders to different bytes")
	}
	// The subset font keeps the document small.
	if len(p1) > 200<<10 {
		t.Errorf("form of %d bytes; the font is not subset", len(p1))
	}
	a.Template = "nope"
	if _, err := ApplicationForm(a, "en", almaty); err == nil {
		t.Error("an unknown template rendered")
	}
	if _, err := DeskReceipt(Receipt{Number: "R-1", Template: profile.Individual, Documents: []string{"treasury_agreement"}}, "en"); err == nil {
		t.Error("a receipt naming a document off the template's checklist rendered")
	}
	if l, ok := Lang("de"); ok || l != "ru" {
		t.Errorf("Lang(de) = %q, %v", l, ok)
	}
}

func TestGlyphMissingFromTheFontPrintsQuestionMark(t *testing.T) {
	a := application(profile.NonresidentIndividual)
	a.Applicant.ResidenceDocument = "护照 E12345678"
	pdf, err := ApplicationForm(a, "en", almaty)
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, pdftext.Text(t, "", "doc.pdf", pdf), "?? E12345678")
}

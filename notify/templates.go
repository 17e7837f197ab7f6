package notify

import (
	"fmt"
	"strings"
	"text/template"
)

// message is one template in one language.
type message struct{ subject, body string }

// templates holds every kind in kk, ru and en. Bodies are text/template with the
// message's Params as data ({{.number}}); a missing param renders empty.
var templates = map[string]map[string]message{
	KindReceived: {
		"en": {"Application {{.number}} received", "Your application {{.number}} for certificates was received.\n{{if eq .next \"head\"}}The first head of your organisation must confirm it first; then come{{else}}Come{{end}} to a registration centre with your documents before {{.deadline}}, or the application expires.\n"},
		"ru": {"Заявление {{.number}} принято", "Ваше заявление {{.number}} на выпуск регистрационных свидетельств принято.\n{{if eq .next \"head\"}}Сначала его должен подтвердить первый руководитель организации; затем обратитесь{{else}}Обратитесь{{end}} в центр обслуживания с документами до {{.deadline}}, иначе заявление будет аннулировано.\n"},
		"kk": {"{{.number}} өтініші қабылданды", "Тіркеу куәліктерін беруге арналған {{.number}} өтінішіңіз қабылданды.\n{{if eq .next \"head\"}}Алдымен оны ұйымның бірінші басшысы растауы керек; содан кейін{{else}}Құжаттарыңызбен{{end}} {{.deadline}} дейін қызмет көрсету орталығына келіңіз, әйтпесе өтініш жойылады.\n"},
	},
	KindAccepted: {
		"en": {"Application {{.number}} accepted at the registration centre", "Your documents for application {{.number}} were checked at the registration centre (receipt {{.receipt}}). The decision follows; you will be told.\n"},
		"ru": {"Заявление {{.number}} принято в центре обслуживания", "Документы по заявлению {{.number}} проверены в центре обслуживания (расписка {{.receipt}}). О решении вам сообщат.\n"},
		"kk": {"{{.number}} өтініші қызмет көрсету орталығында қабылданды", "{{.number}} өтініші бойынша құжаттар қызмет көрсету орталығында тексерілді (қолхат {{.receipt}}). Шешім туралы сізге хабарланады.\n"},
	},
	KindIssued: {
		"en": {"Certificates issued for application {{.number}}", "The certificates of application {{.number}} were issued. Install them into your key files: eds fetch {{.number}}.\n"},
		"ru": {"Регистрационные свидетельства по заявлению {{.number}} выпущены", "Регистрационные свидетельства по заявлению {{.number}} выпущены. Установите их в файлы ключей: eds fetch {{.number}}.\n"},
		"kk": {"{{.number}} өтініші бойынша тіркеу куәліктері берілді", "{{.number}} өтініші бойынша тіркеу куәліктері берілді. Оларды кілт файлдарына орнатыңыз: eds fetch {{.number}}.\n"},
	},
	KindRefused: {
		"en": {"Application {{.number}} refused", "Application {{.number}} was refused. Reason: {{.reason}}.\n"},
		"ru": {"Отказ по заявлению {{.number}}", "В выпуске по заявлению {{.number}} отказано. Причина: {{.reason}}.\n"},
		"kk": {"{{.number}} өтініші бойынша бас тарту", "{{.number}} өтініші бойынша бас тартылды. Себебі: {{.reason}}.\n"},
	},
	KindExpired: {
		"en": {"Application {{.number}} expired", "Application {{.number}} expired: it was not identified at a registration centre within 30 calendar days. Apply again.\n"},
		"ru": {"Заявление {{.number}} аннулировано", "Заявление {{.number}} аннулировано: заявитель не обратился в центр обслуживания в течение 30 календарных дней. Подайте заявление снова.\n"},
		"kk": {"{{.number}} өтініші жойылды", "{{.number}} өтініші жойылды: 30 күнтізбелік күн ішінде қызмет көрсету орталығына келмедіңіз. Өтінішті қайта беріңіз.\n"},
	},
	KindRevoked: {
		"en": {"Certificate {{.serial}} revoked", "The certificate with serial {{.serial}} was revoked on {{.date}} (reason: {{.reason}}). It no longer verifies.\n"},
		"ru": {"Регистрационное свидетельство {{.serial}} отозвано", "Регистрационное свидетельство с серийным номером {{.serial}} отозвано {{.date}} (основание: {{.reason}}). Подписи им больше не проверяются.\n"},
		"kk": {"{{.serial}} тіркеу куәлігі кері қайтарылды", "{{.serial}} сериялық нөмірлі тіркеу куәлігі {{.date}} кері қайтарылды (негіз: {{.reason}}). Ол енді жарамсыз.\n"},
	},
	KindIssuanceAlert: {
		"en": {"A certificate was issued in your name", "A {{.type}} certificate (serial {{.serial}}) was issued on your IIN on {{.date}}, application {{.number}}:\n{{.subject}}\n\nIf it wasn't you, revoke it at once: eds revoke --key YOUR_SIGN_KEY {{.serial}} --reason key_compromise, or at any registration centre.\n"},
		"ru": {"На ваше имя выпущено регистрационное свидетельство", "На ваш ИИН {{.date}} выпущено регистрационное свидетельство {{.type}} (серийный номер {{.serial}}), заявление {{.number}}:\n{{.subject}}\n\nЕсли это были не вы, немедленно отзовите его: eds revoke --key ВАШ_КЛЮЧ_SIGN {{.serial}} --reason key_compromise, или в любом центре обслуживания.\n"},
		"kk": {"Сіздің атыңызға тіркеу куәлігі берілді", "Сіздің ЖСН-ыңызға {{.date}} {{.type}} тіркеу куәлігі берілді (сериялық нөмірі {{.serial}}), өтініш {{.number}}:\n{{.subject}}\n\nЕгер бұл сіз болмасаңыз, оны дереу кері қайтарыңыз: eds revoke --key СІЗДІҢ_SIGN_КІЛТІҢІЗ {{.serial}} --reason key_compromise, немесе кез келген қызмет көрсету орталығында.\n"},
	},
	KindExpiry: {
		"en": {"Your certificates expire in {{.days}} days", "The certificates of application {{.number}} (serials {{.serials}}) expire on {{.date}}, in {{.days}} days. Renew them without a visit: eds renew --key YOUR_SIGN_KEY.\n"},
		"ru": {"Срок действия ваших свидетельств истекает через {{.days}} дн.", "Срок действия регистрационных свидетельств по заявлению {{.number}} (серийные номера {{.serials}}) истекает {{.date}}, через {{.days}} дн. Перевыпустите их без визита: eds renew --key ВАШ_КЛЮЧ_SIGN.\n"},
		"kk": {"Куәліктеріңіздің мерзімі {{.days}} күннен кейін аяқталады", "{{.number}} өтініші бойынша тіркеу куәліктерінің (сериялық нөмірлері {{.serials}}) мерзімі {{.date}}, {{.days}} күннен кейін аяқталады. Оларды келмей-ақ қайта шығарыңыз: eds renew --key СІЗДІҢ_SIGN_КІЛТІҢІЗ.\n"},
	},
}

// Languages are the languages every template has.
var Languages = []string{"kk", "ru", "en"}

// Render returns the subject and body of a message of kind in lang (ru when lang is
// not one of Languages) with params.
func Render(kind, lang string, params map[string]string) (subject, body string, err error) {
	byLang, ok := templates[kind]
	if !ok {
		return "", "", fmt.Errorf("notify: no template for message kind %q", kind)
	}
	m, ok := byLang[lang]
	if !ok {
		m = byLang["ru"]
	}
	data := map[string]string{}
	for k, v := range params {
		data[k] = v
	}
	exec := func(name, text string) (string, error) {
		t, err := template.New(name).Option("missingkey=zero").Parse(text)
		if err != nil {
			return "", fmt.Errorf("notify: template %s/%s: %w", kind, lang, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			return "", fmt.Errorf("notify: template %s/%s: %w", kind, lang, err)
		}
		return b.String(), nil
	}
	if subject, err = exec("subject", m.subject); err != nil {
		return "", "", err
	}
	if body, err = exec("body", m.body); err != nil {
		return "", "", err
	}
	return strings.ReplaceAll(subject, "\n", " "), body, nil
}

// TemplateText returns the raw subject and body template of kind in lang, for tests
// and documentation.
func TemplateText(kind, lang string) string {
	m := templates[kind][lang]
	return m.subject + "\n" + m.body
}

package forms

import "time"

// tr is one text in the three languages of the labels.
type tr struct{ kk, ru, en string }

func (t tr) in(lang string) string {
	switch lang {
	case "kk":
		return t.kk
	case "en":
		return t.en
	}
	return t.ru
}

// labels of the application forms and receipts. The Russian texts follow the forms of
// the service standard (seed 003 annexes 2–13, seed 002 annex 9).
var (
	lNumber      = tr{"Бірегей нөмір", "Уникальный номер", "Unique number"}
	lSubmitted   = tr{"Өтініш берілген күн", "Дата подачи заявления", "Date of the application"}
	lTemplate    = tr{"Өтініш берушінің санаты", "Категория заявителя", "Applicant category"}
	lAnnex       = tr{"Мемлекеттік көрсетілетін қызмет стандартының %s-қосымшасы бойынша нысан", "Форма по приложению %s к стандарту государственной услуги", "Form of annex %s of the public service standard"}
	lOrgHeading  = tr{"Заңды тұлғаның сәйкестендіру деректері:", "Идентификационные данные юридического лица:", "Identification data of the legal entity:"}
	lEmpHeading  = tr{"Атына тіркеу куәліктері берілетін заңды тұлға қызметкерінің сәйкестендіру деректері:", "Идентификационные данные сотрудника юридического лица, на имя которого выдаются регистрационные свидетельства:", "Identification data of the employee of the legal entity in whose name the registration certificates are issued:"}
	lPerHeading  = tr{"Атына тіркеу куәліктері берілетін жеке тұлғаның сәйкестендіру деректері:", "Идентификационные данные физического лица, на имя которого выдаются регистрационные свидетельства:", "Identification data of the individual in whose name the registration certificates are issued:"}
	lValidity    = tr{"Тіркеу куәліктерінің қолданылу мерзімі: 1 жыл.", "Срок действия регистрационных свидетельств: 1 год.", "Validity of the registration certificates: 1 year."}
	lKeys        = tr{"Тіркеу куәліктеріне сұраулар (ашық кілттер):", "Запросы на регистрационные свидетельства (открытые ключи):", "Certificate requests (public keys):"}
	lKeyLine     = tr{"%s: PKCS#10 сұрауы, SHA-256 %s", "%s: запрос PKCS#10, SHA-256 %s", "%s: PKCS#10 request, SHA-256 %s"}
	lPKCS10      = tr{"Base64 форматындағы PKCS#10 сұрауы:", "Запрос PKCS#10 в формате Base64:", "PKCS#10 request in Base64:"}
	lConsents    = tr{"Өтініш беруші растайды:", "Заявитель подтверждает:", "The applicant confirms:"}
	lExtra       = tr{"Қосымша ақпарат үшін орын:", "Место для дополнительной информации:", "Space for additional information:"}
	lDate        = tr{"Күні", "Дата", "Date"}
	lSignPerson  = tr{"Жеке тұлғаның (жеке тұлға өкілінің) қолы", "Подпись физического лица (представителя физического лица)", "Signature of the individual (or the individual's representative)"}
	lSignEmpl    = tr{"Заңды тұлға қызметкерінің (заңды тұлға өкілінің) қолы", "Подпись сотрудника юридического лица (представителя юридического лица)", "Signature of the employee of the legal entity (or the legal entity's representative)"}
	lAuthority   = tr{"Қазақстан Республикасының Ұлттық куәландырушы орталығы", "Национальный удостоверяющий центр Республики Казахстан", "National Certification Authority of the Republic of Kazakhstan"}
	consentTexts = []tr{
		{"Тиісті тіркеу куәліктерінің саясатымен таныстым, қарсылығым жоқ.", "С политикой соответствующих регистрационных свидетельств ознакомлен, возражений не имею.", "I have read the policy of the registration certificates and have no objections."},
		{"Пайдаланушы келісімімен таныстым және оны қабылдаймын.", "С пользовательским соглашением ознакомлен и принимаю его.", "I have read and accept the user agreement."},
		{"Дербес деректерімді жинауға және өңдеуге келісемін.", "Даю согласие на сбор и обработку моих персональных данных.", "I consent to the collection and processing of my personal data."},
		{"Электрондық пошта арқылы хабарламалар алуға келісемін.", "Даю согласие на получение уведомлений по электронной почте.", "I consent to receiving notifications by e-mail."},
	}
)

// lZone labels the times a PDF prints: they are in the registration centre's zone,
// Asia/Almaty (the portal shows its times there too).
var lZone = tr{"Астана уақыты", "время Астаны", "Astana time"}

// clock formats t as date and time with the zone's label: "27.11.2026 17:40 (время Астаны)".
func clock(t time.Time, lang string) string {
	return t.Format("02.01.2006 15:04") + " (" + lZone.in(lang) + ")"
}

// fieldLabels are the labels of the applicant's fields (profile.Field names).
var fieldLabels = map[string]tr{
	"iin":                {"ЖСН", "ИИН", "IIN"},
	"surname":            {"Тегі", "Фамилия", "Surname"},
	"name":               {"Аты", "Имя", "Name"},
	"patronymic":         {"Әкесінің аты", "Отчество", "Patronymic"},
	"region":             {"Облыстың атауы", "Наименование области", "Region"},
	"city":               {"Қала", "Город", "City"},
	"email":              {"Электрондық пошта мекенжайы", "Адрес электронной почты", "E-mail address"},
	"phone":              {"Телефон", "Телефон", "Phone"},
	"bin":                {"БСН", "БИН", "BIN"},
	"organization":       {"Ұйымның атауы", "Наименование организации", "Name of the organisation"},
	"role":               {"Ұйымдағы лауазымы (рөлі)", "Должность (роль) в организации", "Position (role) in the organisation"},
	"domain":             {"Домендік атау", "Доменное имя", "Domain name"},
	"extra_domains":      {"Қосымша домендік атаулар", "Дополнительные доменные имена", "Additional domain names"},
	"state_body_code":    {"ММ/МБС коды", "Код ГУ/СКС", "State body code (GU/SKS)"},
	"rnn":                {"СТН", "РНН", "RNN"},
	"system_role":        {"Жүйедегі рөлі (қол жеткізу деңгейі)", "Роль в системе (уровень доступа)", "Role in the system (access level)"},
	"residence_document": {"ЖСН/БСН көрсетілген құжат", "Документ, содержащий ИИН/БИН", "Document carrying the IIN/BIN"},
	"language":           {"Хабарламалар тілі", "Язык уведомлений", "Language of notifications"},
}

// roleNames are the roles in an organisation (profile roles).
var roleNames = map[string]tr{
	"first_head":        {"бірінші басшы", "первый руководитель", "first head"},
	"signing_right":     {"қол қою құқығы бар тұлға", "лицо с правом подписи", "person with signing right"},
	"financial_signing": {"қаржы құжаттарына қол қою құқығы бар тұлға", "лицо с правом подписи финансовых документов", "person signing financial documents"},
	"hr":                {"кадр қызметінің қызметкері", "сотрудник кадровой службы", "human resources officer"},
	"employee":          {"қызметкер", "сотрудник", "employee"},
}

// certTypes name the certificate types of key requests.
var certTypes = map[string]tr{
	"SIGN": {"Қол қою (ЭЦҚ)", "Подпись (ЭЦП)", "Signing"},
	"AUTH": {"Аутентификация", "Аутентификация", "Authentication"},
	"SSL":  {"SSL", "SSL", "SSL"},
}

// Receipt labels.
var (
	lReceiptTitle  = tr{"Құжаттарды қабылдау туралы қолхат", "Расписка о приеме документов", "Receipt for the documents received"}
	lRefusalTitle  = tr{"Құжаттарды қабылдаудан бас тарту туралы қолхат", "Расписка об отказе в приеме документов", "Receipt of refusal to accept the documents"}
	lReceiptNumber = tr{"Қолхат нөмірі", "Номер расписки", "Receipt number"}
	lReceiptDate   = tr{"Жүгінген күні мен уақыты", "Дата и время обращения", "Date and time of the request"}
	lApplication   = tr{"Өтініш нөмірі", "Номер заявления", "Application number"}
	lService       = tr{"Мемлекеттік көрсетілетін қызмет", "Государственная услуга", "Public service"}
	lServiceName   = tr{"Қазақстан Республикасы Ұлттық куәландырушы орталығының тіркеу куәлігін беру және кері қайтарып алу", "Выдача и отзыв регистрационного свидетельства Национального удостоверяющего центра Республики Казахстан", "Issuance and revocation of registration certificates of the National Certification Authority of the Republic of Kazakhstan"}
	lDocsReceived  = tr{"Қабылданған құжаттар (%d):", "Принятые документы (%d):", "Documents received (%d):"}
	lNoDocs        = tr{"жоқ", "нет", "none"}
	lResultDate    = tr{"Нәтижені беру күні", "Дата выдачи результата", "Date of the result"}
	lResultPlace   = tr{"Нәтижені беру орны", "Место выдачи результата", "Place of the result"}
	lResultOnline  = tr{"онлайн: %s өтінішінің мәртебесі беті (куәліктерді сол жерден жүктеп алып, орнатыңыз)", "онлайн: страница статуса заявления %s (сертификаты скачиваются и устанавливаются там)", "online: the status page of application %s (download and install the certificates there)"}
	lOperator      = tr{"Құжаттарды қабылдаған қызметкердің Т.А.Ә.", "Ф.И.О. работника, принявшего документы", "Operator who received the documents"}
	lApplicant     = tr{"Көрсетілетін қызметті алушының Т.А.Ә.", "Ф.И.О. услугополучателя", "Applicant"}
	lApplicantTel  = tr{"Көрсетілетін қызметті алушының телефоны", "Телефон услугополучателя", "Applicant's phone"}
	lRepr          = tr{"Өкілдің Т.А.Ә.", "Ф.И.О. представителя", "Representative"}
	lReprTel       = tr{"Өкілдің телефоны", "Телефон представителя", "Representative's phone"}
	lRefusalText   = tr{
		"«Мемлекеттік көрсетілетін қызметтер туралы» Қазақстан Республикасы Заңының 20-бабын басшылыққа ала отырып, Сіз мемлекеттік көрсетілетін қызмет стандартында көзделген толық құжаттар топтамасын ұсынбағаныңызға байланысты «%s» мемлекеттік көрсетілетін қызметті көрсетуге құжаттарды қабылдаудан бас тартамыз, атап айтқанда:",
		"Руководствуясь статьей 20 Закона Республики Казахстан «О государственных услугах», отказываем в приеме документов на оказание государственной услуги «%s» ввиду представления Вами неполного пакета документов согласно перечню, предусмотренному стандартом государственной услуги, а именно:",
		"Under article 20 of the Law of the Republic of Kazakhstan \"On public services\", the documents for the public service \"%s\" are not accepted because the set of documents presented is incomplete according to the list of the public service standard, namely:",
	}
	lMissingDocs = tr{"Жетіспейтін құжаттардың атауы:", "Наименование отсутствующих документов:", "Missing documents:"}
	lTwoCopies   = tr{"Осы қолхат әр тарапқа бір-бірден 2 данада жасалды.", "Настоящая расписка составлена в 2 экземплярах, по одному для каждой стороны.", "This receipt is made in 2 copies, one for each party."}
	lOperatorSig = tr{"Қызметкердің қолы", "Подпись работника", "Operator's signature"}
	lReceivedSig = tr{"Алдым: көрсетілетін қызметті алушының Т.А.Ә. / қолы", "Получил: Ф.И.О. / подпись услугополучателя", "Received: applicant's name / signature"}
	lStillValid  = tr{"Өтініш %s дейін жарамды: жетіспейтін құжаттармен қайта келіңіз.", "Заявление действительно до %s: обратитесь повторно с недостающими документами.", "The application stays valid until %s: come again with the missing documents."}
)

// langNames name the languages of notifications.
var langNames = map[string]tr{
	"kk": {"қазақ тілі", "казахский", "Kazakh"},
	"ru": {"орыс тілі", "русский", "Russian"},
	"en": {"ағылшын тілі", "английский", "English"},
}

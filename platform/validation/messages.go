package validation

import "strings"

// The one catalogue of what can be wrong with a field: each code has an
// English template (the API's description, for developers) and a Russian one
// (what the person who filled the field reads: plain, polite, naming what to
// do). Templates name parameters as {name}; {name|form|form} (English) and
// {name|one|few|many} (Russian) are the forms of a word agreeing with the
// number name. A Russian template holds no Latin words except the tokens the
// test of this file allows (INN, CSV, XLSX…); values such as a form's reserved
// names go in parameters.
//
// Codes are stable: clients and pages may rely on them. Reword the texts
// freely; never reuse a code for another meaning.

// Message is the pair of templates of one code.
type Message struct{ English, Russian string }

// CodeInvalid is the code of a problem described only by free text (not yet
// converted to a code) and the Russian of any code the catalogue lacks.
const CodeInvalid = "invalid"

var catalogue = map[string]Message{
	// Any field.
	CodeInvalid:                   {"is invalid", "Проверьте значение этого поля"},
	"required":                    {"is required", "Заполните это поле"},
	"too_long":                    {"must be at most {max} characters", "Не длиннее {max} {max|символа|символов|символов}"},
	"too_short":                   {"must be at least {min} characters", "Не короче {min} {min|символа|символов|символов}"},
	"not_utf8":                    {"must be UTF-8 text", "В тексте есть нечитаемые символы: наберите или вставьте его заново"},
	"nul_character":               {"must not contain NUL characters", "В тексте есть невидимые служебные символы: наберите или вставьте его заново"},
	"bidi_control":                {"must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)", "В тексте есть невидимые символы, меняющие направление письма: наберите его заново"},
	"date_format":                 {`"{value}" is not a date in the form YYYY-MM-DD`, "Дата в формате ГГГГ-ММ-ДД, например 2025-09-01"},
	"time_of_day":                 {`"{value}" is not a time of day in the form HH:MM`, "Время в формате ЧЧ:ММ, например 09:00"},
	"future":                      {"must not be in the future", "Дата не может быть позже сегодняшней"},
	"range":                       {"must be from {min} to {max}", "Число от {min} до {max}"},
	"year_range":                  {"must be a year from {min} to {max}", "Год от {min} до {max}"},
	"one_of":                      {"must be {allowed}", "Выберите значение из списка"},
	"uuid":                        {"must be a UUID", "Неверная ссылка на запись: выберите её из списка"},
	"base_version":                {"must be the {what} the change is based on", "Не указана версия, которую вы меняете: обновите страницу и внесите изменение снова"},
	"page_token":                  {"page token is invalid or belongs to other filters", "Список изменился: откройте его заново с первой страницы"},
	"url":                         {"must be an http or https link", "Ссылка должна начинаться с http:// или https://"},
	"email":                       {`"{value}" is not an e-mail address`, "Проверьте адрес электронной почты"},
	"idempotency_key_format":      {"must be printable ASCII without spaces", "Ключ повтора — латинские буквы, цифры и знаки, без пробелов"},
	"idempotency_key_unsupported": {"is not taken by this method: send the request without it", "Этот запрос не повторяют по ключу: отправьте его без ключа"},
	"idempotency_key_reused":      {`"{value}" was used for another request: a new request needs a new key`, "Этот ключ повтора уже использован для другого запроса: для нового запроса нужен новый ключ"},
	"time_zone":                   {`"{value}" is not an IANA time zone such as Europe/Moscow`, "Такого часового пояса нет: выберите его из списка"},

	// Something named that does not exist (NotFound).
	"not_found_region":       {"no such region", "Такого региона нет"},
	"not_found_municipality": {"no such municipality", "Такого муниципалитета нет"},
	"not_found_organisation": {"no such organisation", "Такой организации нет"},
	"not_found_scope":        {"no such scope", "Такого региона, муниципалитета или организации нет"},
	"not_found_form_version": {"no such published form version", "Такой опубликованной версии формы нет"},
	"not_found_campaign":     {"no such campaign", "Такой кампании нет"},
	"not_found_field":        {"no such field in the form", "Такого поля в форме нет"},
	"not_found_indicator":    {"no such indicator", "Такого показателя нет"},
	"not_found_stage":        {"no such stage in this roadmap", "Такого этапа в этой дорожной карте нет"},

	// Request bodies of the JSON API (the gateway reads them).
	"body_too_large": {"the request body is larger than {max} bytes", "Запрос слишком большой: не больше {max} {max|байта|байт|байт}"},
	"json_end":       {"unexpected end of JSON at offset {offset}", "Запрос оборвался: JSON не закончен (позиция {offset})"},
	"json_syntax":    {"invalid JSON at line {line}, column {column} (offset {offset}): {detail}", "Ошибка в JSON: строка {line}, позиция {column}"},
	"json_object":    {"the body must be one JSON object", "Тело запроса должно быть одним объектом JSON"},
	"json_trailing":  {"unexpected data after the JSON object at offset {offset}", "После объекта JSON лишние данные (позиция {offset})"},
	"json_type":      {"must be a {type} value, not {value} (line {line}, column {column})", "Значение не того типа: здесь нужно {type}"},
	"json_unknown":   {"unknown field (line {line}, column {column})", "Такого поля нет: проверьте его имя"},
	"json_duplicate": {"the field is given twice (line {line}, column {column})", "Поле указано дважды"},
	"json_oneof":     {"only one of {members} may be given (line {line}, column {column})", "Укажите только одно из полей: {members}"},
	"json_value":     {"invalid value: {detail}", "Проверьте значение этого поля"},

	// Regions, municipalities, organisations.
	"region_code":          {"must be a two-digit subject code from 01 to 99", "Код региона — две цифры, от 01 до 99"},
	"oktmo":                {"must be 8 or 11 digits", "Код ОКТМО — 8 или 11 цифр"},
	"oktmo_taken":          {"another municipality has this OKTMO code", "Этот код ОКТМО уже у другого муниципалитета"},
	"inn_format":           {"must be 10 digits", "ИНН организации — 10 цифр"},
	"inn_checksum":         {"check digit does not match: the INN has a typo", "В ИНН опечатка: не сходится контрольная цифра"},
	"closed_before_opened": {"must be after the opening date {opened}", "Дата закрытия должна быть позже даты открытия ({opened})"},
	"successor_forbidden":  {"a liquidated organisation has no successor", "У ликвидированной организации нет правопреемника: оставьте поле пустым"},
	"successor_required":   {"is required when the organisation is reorganised or merged", "Укажите правопреемника: организация реорганизована или присоединена к другой"},
	"successor_self":       {"must be another organisation", "Правопреемником должна быть другая организация"},
	"successor_state":      {"the successor must be another organisation that is open on the closing date", "Правопреемник — другая организация, которая работает на дату закрытия"},

	// Accounts and passwords.
	"login_format":      {"must be 3–64 of a–z, 0–9, dot, dash and underscore, starting with a letter or digit", "Логин — от 3 до 64 символов: строчные латинские буквы, цифры, точка, дефис и подчёркивание; первый символ — буква или цифра"},
	"roles_required":    {"an account needs at least one role", "Назначьте хотя бы одну роль"},
	"role_twice":        {"the same role and scope twice", "Эта роль уже назначена для того же региона, муниципалитета или организации"},
	"scope_forbidden":   {"an operator has no scope", "Роль оператора действует везде: не выбирайте для неё регион, муниципалитет или организацию"},
	"scope_id":          {"must be the id of a municipality (methodologist) or organisation (curator)", "Выберите муниципалитет (для методиста) или организацию (для куратора)"},
	"password_common":   {"is one of the most common passwords", "Этот пароль слишком распространён: придумайте другой"},
	"password_login":    {"must not contain the login", "Пароль не должен содержать логин"},
	"password_mix":      {"must mix letters with digits or other characters", "Добавьте к буквам цифры или другие знаки"},
	"password_mismatch": {"does not match", "Текущий пароль введён неверно"},
	"expire_time":       {"must be in the future and at most a year ahead", "Срок действия должен закончиться в будущем, но не позже чем через год"},

	// Files people upload (imports).
	"file_not_xlsx":       {"the file cannot be read: not an XLSX workbook", "Это не таблица Excel (XLSX): сохраните её в формате XLSX и загрузите снова"},
	"file_no_sheets":      {"the file cannot be read: the workbook has no sheets", "В таблице Excel нет ни одного листа"},
	"file_too_many_rows":  {"the file cannot be read: more than {max} rows", "В файле больше {max} {max|строки|строк|строк}: разделите его на части"},
	"file_encoding":       {"the file cannot be read: not UTF-8 or Windows-1251 text", "Не удалось распознать кодировку: сохраните таблицу как CSV в кодировке UTF-8"},
	"file_not_docx":       {"the file cannot be read: not a DOCX document", "Это не документ Word (DOCX): сохраните его в формате DOCX и загрузите снова"},
	"file_too_large":      {"the file cannot be read: the document is too large", "Документ слишком большой"},
	"file_unreadable":     {"the file cannot be read: {detail}", "Файл не читается: сохраните его заново и загрузите ещё раз"},
	"file_no_header":      {"the file has no header row", "В файле нет строки с заголовками столбцов"},
	"column_missing":      {"no column {columns} in the header row", "В строке заголовков нет столбца {columns}"},
	"tsv_utf8":            {"tab-separated text must be UTF-8", "Текст таблицы не читается: скопируйте таблицу и вставьте её заново"},
	"unknown_kind":        {`"{value}" is not a known kind: write ОУ, СПО or ДО`, "Тип «{value}» не распознан: напишите ОУ, СПО или ДО"},
	"kind_required":       {"a new organisation needs its kind (ОУ, СПО or ДО) in the column «Тип»", "Для новой организации укажите тип (ОУ, СПО или ДО) в столбце «Тип»"},
	"bad_date":            {`"{value}" is not a date such as 01.09.1985`, "Дата в формате ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, например 01.09.1985"},
	"duplicate_in_file":   {"the same INN is already in row {row}", "Этот ИНН уже есть в строке {row}"},
	"other_municipality":  {"an organisation with this INN belongs to another municipality", "Организация с этим ИНН относится к другому муниципалитету"},
	"closed":              {"the organisation is closed and can no longer be changed", "Организация закрыта, её уже нельзя изменить"},
	"no_roadmap":          {"no stage or item was found: is it a roadmap table?", "В файле не найдено ни одного этапа или мероприятия: это точно таблица дорожной карты?"},
	"import_header_again": {"header repeated", "Повтор заголовка таблицы"},
	"import_title_more":   {"continues the title", "Продолжение названия"},
	"import_renumbered":   {"number «{raw}» does not fit here; renumbered {number}", "Номер «{raw}» выбивается из порядка: мероприятию присвоен номер {number}"},
	"import_number_noise": {"number «{raw}» ignored: it does not fit the sequence (a scanning error)", "Номер «{raw}» пропущен: он выбивается из порядка (ошибка сканирования)"},
	"import_number_read":  {"number «{raw}» read as {number}", "Номер «{raw}» прочитан как {number}"},
	"import_title_moved":  {"title found in another column", "Название найдено в другом столбце"},
	"import_no_title":     {"no title: the row holds the stage's task and result", "Названия нет: в строке задача и результат этапа"},
	"import_title_fixed":  {"title «{from}» repaired as «{to}»", "Название «{from}» исправлено на «{to}»"},
	"import_cells_extra":  {"ignored in other columns: {cells}", "Пропущен текст в других столбцах: {cells}"},
	"import_scan_noise":   {"ignored scanning noise {cells}", "Пропущены следы сканирования: {cells}"},
	"import_before_stage": {"text before the first stage: «{text}»", "Текст до первого этапа не вошёл в дорожную карту: «{text}»"},
	"import_stage_text":   {"continues the stage's text", "Продолжение задачи или результата этапа"},
	"import_stage_title":  {"continues the stage's title", "Продолжение названия этапа"},
	"import_number_repeated": {"number «{raw}» repeats the stage before; read as stage {number}",
		"Номер «{raw}» повторяет номер предыдущего этапа: этап считан как {number}"},
	"import_cells_to_stage":      {"text beside the stage's title added to its task: {cells}", "Текст рядом с названием этапа добавлен в задачу этапа: {cells}. Проверьте его"},
	"import_column_unplaced":     {"only text in columns no field took: not imported", "В строке есть текст только в столбцах, которые не удалось сопоставить: он не загружен. Укажите, что в этих столбцах"},
	"import_stage_untitled":      {"the stage has no title", "У этапа нет названия: допишите его"},
	"import_period_title":        {"the period {years} is named in the title", "Период {years} указан в названии"},
	"import_period_title_school": {"the school years {years} are named in the title", "Учебные годы {years} указаны в названии"},
	"import_period_order":        {"the approval order is dated {date}: the school or calendar year it starts", "Приказ об утверждении датирован {date}: период — учебный или календарный год, который начинается после него"},
	"import_period_deadlines":    {"the deadlines name the years {years}", "Сроки мероприятий приходятся на {years}"},
	"import_period_default":      {"the document names no period: the current year {years}", "В документе не указан период: предложен текущий год ({years}). Проверьте его"},

	// Roadmaps.
	"period_order":    {"must not be before period_start", "Конец периода не может быть раньше начала"},
	"period_too_long": {"a roadmap's period is at most {max} years", "Период дорожной карты — не больше {max} {max|года|лет|лет}"},
	"period_both":     {"give both period_start and period_end, or neither", "Укажите и начало, и конец периода — или не указывайте ни то, ни другое"},
	"owner_one":       {"name exactly one of organisation_id, municipality_id, region_code", "Выберите одного владельца: организацию, муниципалитет или регион"},

	// Campaigns, reports, aggregates.
	"opened_in_future":        {"must not be in the future: the expected list is the organisations open on that day", "Дата открытия не может быть позже сегодняшней: по ней определяется список организаций"},
	"deadline_before_opening": {"must not be before the campaign opened", "Срок сдачи не может быть раньше открытия кампании"},
	"form_code":               {"must be the code of a published form", "Выберите опубликованную форму"},
	"form_version":            {"must be a published version of the form", "Выберите опубликованную версию формы"},
	"campaign_scope":          {"name the municipality, or region_code for a region-wide campaign", "Выберите муниципалитет, а для кампании по всему региону — регион"},
	"campaign_or_year":        {"name a campaign, or a year", "Выберите кампанию или год"},
	"sign_off_comment":        {"is required when reports are missing, awaiting review or returned: name what is missing", "Не все отчёты приняты: напишите, чего не хватает и почему"},
	"campaign_overlap": {"{count} {count|organisation|organisations} of this scope already {count|reports|report} in «{other}» of {year}",
		"{count} {count|организация|организации|организаций} из этого охвата уже {count|отчитывается|отчитываются|отчитываются} в кампании «{other}» {year} года"},
	// Reports and their historical import: ready for indicators'
	// server/reports.go and server/imports.go, which still describe these in
	// free text until the report lifecycle moves into the domain.
	"not_expected":              {"not an organisation expected in this campaign", "Эта организация не участвует в кампании"},
	"confirm_warnings":          {"the report has warnings: check them and submit with confirm_warnings", "В отчёте есть предупреждения: проверьте их и подтвердите отправку"},
	"submit_time_required":      {"is required: when the report was submitted", "Укажите, когда отчёт был сдан"},
	"submitted_before_opening":  {"must not be before the campaign opened ({opened} in {zone})", "Отчёт не мог быть сдан раньше открытия кампании ({opened})"},
	"time_format":               {"is not a valid time", "Проверьте дату и время"},
	"accepted_before_submitted": {"must not be before submit_time", "Отчёт не мог быть принят раньше, чем сдан"},

	"clear_misuse":     {"clear takes true, and only when saving", "Очистить поле можно только при сохранении отчёта"},
	"value_missing":    {"give count, yesNo or text", "Укажите значение поля"},
	"value_type":       {"field {field} takes a {type} value", "Значение не подходит для этого поля: нужно {type}"},
	"value_required":   {"«{label}» is required", "«{label}»: заполните поле."},
	"value_min":        {"«{label}» must be at least {min}", "«{label}»: значение должно быть не меньше {min}."},
	"value_bounds":     {"«{label}» must be from {min} to {max}", "«{label}»: значение должно быть не меньше {min} и не больше {max}."},
	"target_unit":      {"a named unit is a region (level region) or a municipality (level municipality)", "Для уровня «регион» выберите регион, для уровня «муниципалитет» — муниципалитет"},
	"parent_forbidden": {"the country has no parent: leave it empty", "У страны нет вышестоящего уровня: оставьте поле пустым"},

	// Monitoring forms (the operator edits them).
	"draft_version":     {"must name the draft version", "Укажите номер черновика формы"},
	"code_format":       {"must be lower-case letters, digits and _, starting with a letter", "Код — строчные латинские буквы, цифры и _, первый символ — буква"},
	"code_unique":       {"must be a unique code", "Нужен код, который не повторяется в форме: строчные латинские буквы, цифры и _"},
	"field_code":        {"must be a code (not ending in {suffix}, not {reserved})", "Код поля — строчные латинские буквы, цифры и _; не оканчивается на {suffix} и не совпадает с {reserved}"},
	"code_taken":        {"is used by another field", "Этот код уже у другого поля"},
	"sections_required": {"a form needs at least one section", "Добавьте в форму хотя бы один раздел"},
	"help_required":     {"must say exactly what the field counts", "Напишите, что именно считается в этом поле"},
	"bounds":            {"bounds must satisfy 0 ≤ min ≤ max (max 0: none)", "Границы: 0 ≤ минимум ≤ максимум (максимум 0 — без ограничения)"},
	"unknown_field":     {`no field "{value}" in the form`, "В форме нет поля «{value}»"},
	"rule_fields":       {"must name the fields the rule concerns", "Укажите поля, к которым относится правило"},
	"rule_compile":      {"rule {rule} does not compile: {detail}", "В выражении правила {rule} ошибка"},
	"rule_not_bool":     {"rule {rule} must be boolean, not {type}", "Правило {rule} должно давать ответ «да» или «нет»"},
	"rule_program":      {"rule {rule}: {detail}", "Правило {rule} не удаётся выполнить"},

	// protovalidate's rules, by rule id ({rule} is the rule's value); the
	// numeric types share number.*. The English a client reads is
	// protovalidate's own; these English templates serve tests and tools.
	"string.min_len":     {"value length must be at least {rule} characters", "Не короче {rule} {rule|символа|символов|символов}"},
	"string.max_len":     {"value length must be at most {rule} characters", "Не длиннее {rule} {rule|символа|символов|символов}"},
	"string.len":         {"value length must be {rule} characters", "Ровно {rule} {rule|символ|символа|символов}"},
	"string.pattern":     {"value does not match regex pattern {rule}", "Проверьте, как записано значение"},
	"string.uuid":        {"value must be a valid UUID", "Неверная ссылка на запись: выберите её из списка"},
	"string.uuid_empty":  {"value is empty, which is not a valid UUID", "Выберите запись из списка"},
	"string.email":       {"value must be a valid email address", "Проверьте адрес электронной почты"},
	"string.in":          {"value must be in list {rule}", "Выберите значение из списка"},
	"enum.defined_only":  {"value must be one of the defined enum values", "Выберите значение из списка"},
	"enum.in":            {"value must be in list {rule}", "Выберите значение из списка"},
	"enum.not_in":        {"value must not be in list {rule}", "Выберите значение из списка"},
	"repeated.min_items": {"value must contain at least {rule} item(s)", "Добавьте хотя бы {rule} {rule|значение|значения|значений}"},
	"repeated.max_items": {"value must contain no more than {rule} item(s)", "Не больше {rule} {rule|значения|значений|значений}"},
	"map.min_pairs":      {"map must be at least {rule} entries", "Заполните хотя бы {rule} {rule|значение|значения|значений}"},
	"map.max_pairs":      {"map must be at most {rule} entries", "Не больше {rule} {rule|значения|значений|значений}"},
	"bytes.min_len":      {"value length must be at least {rule} bytes", "Файл пустой: выберите другой"},
	"bytes.max_len":      {"value must be at most {rule} bytes", "Файл слишком большой: не больше {size}"},
	"number.gt":          {"value must be greater than {rule}", "Больше {rule}"},
	"number.gte":         {"value must be greater than or equal to {rule}", "Не меньше {rule}"},
	"number.lt":          {"value must be less than {rule}", "Меньше {rule}"},
	"number.lte":         {"value must be less than or equal to {rule}", "Не больше {rule}"},
	"number.gte_lte":     {"value must be greater than or equal to {min} and less than or equal to {max}", "Число от {min} до {max}"},
	"number.gt_lt":       {"value must be greater than {min} and less than {max}", "Число больше {min} и меньше {max}"},
	"number.gte_lt":      {"value must be greater than or equal to {min} and less than {max}", "Число не меньше {min} и меньше {max}"},
	"number.gt_lte":      {"value must be greater than {min} and less than or equal to {max}", "Число больше {min} и не больше {max}"},
}

// Lookup returns the templates of code. protovalidate's rules of the numeric
// types (int32.gte, double.lt…) are found under number.*.
func Lookup(code string) (Message, bool) {
	if m, ok := catalogue[code]; ok {
		return m, true
	}
	if kind, rule, ok := strings.Cut(code, "."); ok && numericKinds[kind] {
		m, ok := catalogue["number."+rule]
		return m, ok
	}
	return Message{}, false
}

var numericKinds = map[string]bool{
	"int32": true, "int64": true, "uint32": true, "uint64": true, "sint32": true, "sint64": true,
	"fixed32": true, "fixed64": true, "sfixed32": true, "sfixed64": true, "float": true, "double": true,
}

// Codes lists every code of the catalogue.
func Codes() []string {
	out := make([]string, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	return out
}

// Constructors of the problems call sites use most.

// Required: the field is empty.
func Required() Problem { return New("required") }

// TooLong: a text of more than max characters.
func TooLong(max int) Problem { return New("too_long").With("max", max) }

// TooShort: a text of fewer than min characters.
func TooShort(min int) Problem { return New("too_short").With("min", min) }

// BadDate: value is not a date as the API writes them, YYYY-MM-DD.
func BadDate(value string) Problem { return New("date_format").With("value", value) }

// BadTimeOfDay is a time of day not in the form HH:MM.
func BadTimeOfDay(value string) Problem { return New("time_of_day").With("value", value) }

// InFuture: a date after today.
func InFuture() Problem { return New("future") }

// Range: a number outside min…max.
func Range(min, max int64) Problem { return New("range").With("min", min).With("max", max) }

// YearRange: a year outside min…max.
func YearRange(min, max int) Problem { return New("year_range").With("min", min).With("max", max) }

// OneOf: a value other than those allowed (named as the API names them).
func OneOf(allowed ...string) Problem { return New("one_of").With("allowed", allowed) }

// BadUUID: an id that is not a UUID.
func BadUUID() Problem { return New("uuid") }

// NotFound: the field names a what (region, municipality, organisation, …)
// that does not exist, or that the caller may not see.
func NotFound(what string) Problem { return New("not_found_" + what) }

// BaseVersion: a change that does not say which version (or revision) it is
// based on.
func BaseVersion(what string) Problem { return New("base_version").With("what", what) }

// BadPageToken: a page token that is malformed or belongs to other filters.
func BadPageToken() Problem { return New("page_token") }

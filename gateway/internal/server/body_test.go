package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
)

// raw sends body as it is, bytes and all.
func (c client) raw(method, path, body string, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// Every malformed body is a 400 whose one detail names the field by its JSON
// path (as the services' violations do) or, for what is not JSON, the body
// and the position of the fault; the message names fields as the details do.
func TestMalformedBodiesNameTheFieldOrPosition(t *testing.T) {
	p := startPlatform(t)
	op := p.operator(t)
	const report = "/v1/reports/0b0e4d4e-0000-4000-8000-000000000000"
	tests := []struct {
		name, method, path, body string
		field, reason, mentions  string
	}{
		{"cut short", "POST", "/v1/regions", `{"code":"77"`, "body", "json_end", "offset 12"},
		{"only a brace", "POST", "/v1/me/tokens", `{`, "body", "json_end", "offset 1"},
		{"trailing comma", "POST", "/v1/regions", `{"code":"77",}`, "body", "json_syntax", "column 14"},
		{"not JSON", "POST", "/v1/auth/token", `login=a&password=b`, "body", "json_syntax", "column 1"},
		{"second line", "POST", "/v1/regions", "{\n  \"code\": \"77\"\n  \"name\": \"x\"}", "body", "json_syntax", "line 3"},
		{"two objects", "POST", "/v1/regions", `{}{}`, "body", "json_trailing", "offset 2"},
		{"object and garbage", "POST", "/v1/me/tokens", `{"name":"x"} trailing`, "body", "json_trailing", "offset 13"},
		{"an array", "POST", "/v1/regions", `[]`, "body", "json_object", "object"},
		{"a string", "POST", "/v1/auth/token", `"x"`, "body", "json_object", "object"},
		{"null", "POST", "/v1/auth/token", `null`, "body", "json_object", "object"},
		{"too deep", "POST", "/v1/regions", strings.Repeat("[", 20000), "body", "json_syntax", "offset"},
		{"number for text", "POST", "/v1/regions", `{"name":5}`, "region.name", "json_type", "line 1, column 9"},
		{"object for text", "POST", "/v1/regions", `{"name":{"a":1}}`, "region.name", "json_type", "region.name"},
		{"text for bool", "POST", "/v1/me/tokens", `{"name":"x","readOnly":"yes"}`, "readOnly", "json_type", "bool"},
		{"bool for a count", "PATCH", report, `{"version":"1","values":{"teachers_total":{"count":true}}}`, "values[teachers_total].count", "json_type", "int64"},
		{"fraction for a count", "PATCH", report, `{"version":"1.5"}`, "version", "json_type", "int64"},
		{"count beyond int64", "PATCH", report, `{"version":"99999999999999999999"}`, "version", "json_type", "int64"},
		{"list for a map", "PATCH", report, `{"version":"1","values":[1]}`, "values", "json_value", "values"},
		{"not a time", "POST", "/v1/me/tokens", `{"name":"x","expireTime":"tomorrow"}`, "expireTime", "json_value", "expireTime"},
		{"proto name, not a time", "POST", "/v1/me/tokens", `{"name":"x","expire_time":"tomorrow"}`, "expireTime", "json_value", "expireTime"},
		{"unknown field", "POST", "/v1/regions", `{"code":"77","colour":"red"}`, "region.colour", "json_unknown", "line 1, column 14"},
		{"unknown nested field", "PATCH", report, `{"version":"1","values":{"a":{"amount":1}}}`, "values[a].amount", "json_unknown", "values[a].amount"},
		{"field twice", "POST", "/v1/regions", `{"name":"a","name":"b"}`, "region.name", "json_duplicate", "twice"},
		{"oneof twice", "PATCH", report, `{"version":"1","values":{"a":{"count":"1","text":"x"}}}`, "values[a].text", "json_oneof", "count, yesNo, text"},
		{"list item of the wrong type", "PATCH", report, `{"version":"1","confirm":["a",2]}`, "confirm[1]", "json_type", "confirm[1]"},
		{"invalid UTF-8", "POST", "/v1/regions", "{\"name\":\"\xff\"}", "region.name", "json_value", "UTF-8"},
		{"byte order mark and a missing field", "POST", "/v1/me/tokens", "\ufeff{\"name\":\"x\"}", "expireTime", "required", "expireTime"},
		{"a rule's violation names JSON fields", "POST", "/v1/me/tokens", `{"name":"x","expire_time":"2000-01-01T00:00:00Z"}`, "expireTime", "expire_time", "expireTime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e api.Error
			code := op.raw(tc.method, tc.path, tc.body, &e)
			if code != http.StatusBadRequest || e.Code != "INVALID_ARGUMENT" || len(e.Details) != 1 {
				t.Fatalf("got %d %+v, want 400 with one detail", code, e)
			}
			d := e.Details[0]
			if d.Field != tc.field || d.Reason != tc.reason || d.LocalizedMessage == "" {
				t.Errorf("got detail %+v, want field %s, reason %s and a Russian message", d, tc.field, tc.reason)
			}
			if !strings.Contains(d.Description+" "+e.Message, tc.mentions) {
				t.Errorf("description %q, message %q: want them to mention %q", d.Description, e.Message, tc.mentions)
			}
			if !strings.Contains(e.Message, tc.field) || strings.Contains(e.Message, "_time") || strings.Contains(e.Message, "proto:") {
				t.Errorf("message %q: want it to name %s as the details do, in JSON names", e.Message, tc.field)
			}
		})
	}

	// A UTF-8 byte order mark before a good body is dropped.
	var created struct {
		Token struct {
			Name string `json:"name"`
		} `json:"token"`
	}
	expire := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	if code := op.raw("POST", "/v1/me/tokens", "\ufeff"+`{"name":"бом","expireTime":"`+expire+`"}`, &created); code != http.StatusOK || created.Token.Name != "бом" {
		t.Errorf("body after a byte order mark: %d %+v, want 200 and the token", code, created)
	}
}

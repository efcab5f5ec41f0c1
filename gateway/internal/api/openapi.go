package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

// openAPI is the merged OpenAPI (Swagger 2.0) document generated from proto/.
//
//go:embed openapi/nastavnik.swagger.json
var openAPI []byte

// HandRoute is a REST route the gateway serves beside the generated ones,
// with what the OpenAPI document says of it.
type HandRoute struct {
	Method, Path string
	// OperationID, Summary and Produces describe the operation; it takes
	// the parameters, tags and error answer of the generated operation
	// Like (its path; same method).
	OperationID, Summary string
	Produces             []string
	Like                 string
}

// HandRoutes are the routes written by hand (NewMux registers exactly
// these, and the served document lists them).
var HandRoutes = []HandRoute{{
	Method: "GET", Path: "/v1/aggregates:download", OperationID: "AggregateService_DownloadAggregates",
	Summary: "DownloadAggregates answers the file of ExportAggregates itself (Content-Disposition: attachment), " +
		"for a browser to save; the query parameters are those of /v1/aggregates:export.",
	Produces: []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	Like:     "/v1/aggregates:export",
}}

// idempotencyHeader is the header parameter of every operation that takes
// an idempotency key.
var idempotencyHeader = map[string]any{
	"name": idempotency.Header, "in": "header", "required": false, "type": "string",
	"description": "A fresh key (a UUID) per logical write, the same on every retry: a repeat of the same request " +
		"gets the first answer (header Idempotent-Replayed: true) and changes nothing; the same key with another " +
		"request is a 400 naming Idempotency-Key. Keys live 24 hours and belong to the caller.",
}

// servedDoc is the document the gateway serves: the generated one, titled
// for the whole API (the generator titles a merged document after its first
// proto file), with the hand-written routes and the Idempotency-Key header
// of the operations that take it.
var servedDoc = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi document: %w", err)
	}
	doc["info"] = map[string]any{"title": "nastavnik API", "version": "v1",
		"description": "Monitoring of the mentorship target model: registry, roadmaps, campaigns, reports and indicators."}
	paths, _ := doc["paths"].(map[string]any)
	for _, h := range HandRoutes {
		method := strings.ToLower(h.Method)
		like, _ := paths[h.Like].(map[string]any)
		likeOp, ok := like[method].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("api: openapi document: %s %s is like %s, which it has not", h.Method, h.Path, h.Like)
		}
		likeAnswers, _ := likeOp["responses"].(map[string]any)
		paths[h.Path] = map[string]any{method: map[string]any{
			"operationId": h.OperationID, "summary": h.Summary, "produces": h.Produces,
			"tags": likeOp["tags"], "parameters": likeOp["parameters"],
			"responses": map[string]any{
				"200":     map[string]any{"description": "The file.", "schema": map[string]any{"type": "file"}},
				"default": likeAnswers["default"],
			},
		}}
	}
	keyed := map[string]bool{}
	for _, m := range idempotency.Methods() {
		// /nastavnik.registry.v1.RegionService/CreateRegion → RegionService_CreateRegion
		svc, name, _ := strings.Cut(strings.TrimPrefix(m, "/"), "/")
		keyed[svc[strings.LastIndexByte(svc, '.')+1:]+"_"+name] = true
	}
	for _, ops := range paths {
		for _, op := range ops.(map[string]any) {
			op, ok := op.(map[string]any)
			if id, _ := op["operationId"].(string); ok && keyed[id] {
				params, _ := op["parameters"].([]any)
				op["parameters"] = append(params, idempotencyHeader)
			}
		}
	}
	return json.MarshalIndent(doc, "", "  ")
})

// OpenAPIHandler serves the OpenAPI document (servedDoc).
func OpenAPIHandler() (http.Handler, error) {
	doc, err := servedDoc()
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
	}), nil
}

type swaggerDoc struct {
	Info struct {
		Title string `json:"title"`
	} `json:"info"`
	Paths       map[string]map[string]swaggerOp `json:"paths"`
	Definitions map[string]json.RawMessage      `json:"definitions"`
}

type swaggerOp struct {
	Summary     string         `json:"summary"`
	Description string         `json:"description"`
	OperationID string         `json:"operationId"`
	Tags        []string       `json:"tags"`
	Parameters  []swaggerParam `json:"parameters"`
}

type swaggerParam struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Type        string `json:"type"`
}

// Operation is one API call on the reference page.
type Operation struct {
	Method, Path, Summary, Description string
	Params                             []swaggerParam
}

// Group is the operations of one service.
type Group struct {
	Service    string
	Operations []Operation
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nastavnik API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2rem}
.op{margin:1rem 0;padding:.6rem .8rem;border:1px solid #e3e3e3;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.GET{color:#0a7}.POST{color:#06c}.PUT{color:#c70}.PATCH{color:#c70}.DELETE{color:#c22}
code{background:#f4f4f4;padding:0 .2rem}
table{border-collapse:collapse;margin-top:.4rem;font-size:.9rem}td,th{border:1px solid #eee;padding:.2rem .5rem;text-align:left;vertical-align:top}
p.d{white-space:pre-line;margin:.3rem 0}
</style></head><body>
<h1>nastavnik API</h1>
<p>REST/JSON over the gRPC services. Machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 2.0).
Errors are <code>{"code", "message", "details": [{"field", "description", "reason", "localizedMessage"}]}</code>; fields are named by their JSON paths,
<code>reason</code> is a stable code of what is wrong and <code>localizedMessage</code> says it in Russian, for the person who filled the field.</p>
{{range .}}<h2 id="{{.Service}}">{{.Service}}</h2>
{{range .Operations}}<div class="op"><span class="m {{.Method}}">{{.Method}}</span> <code>{{.Path}}</code>
{{if .Summary}}<p class="d">{{.Summary}}</p>{{end}}{{if .Description}}<p class="d">{{.Description}}</p>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}
</table>{{end}}</div>{{end}}{{end}}
</body></html>`))

// Groups reads the operations of the OpenAPI document, grouped by service.
func Groups() ([]Group, error) {
	served, err := servedDoc()
	if err != nil {
		return nil, err
	}
	var doc swaggerDoc
	if err := json.Unmarshal(served, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi document: %w", err)
	}
	byTag := map[string][]Operation{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			byTag[tag] = append(byTag[tag], Operation{
				Method: strings.ToUpper(method), Path: path, Summary: op.Summary,
				Description: op.Description, Params: op.Parameters,
			})
		}
	}
	var groups []Group
	for tag, ops := range byTag {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		groups = append(groups, Group{Service: tag, Operations: ops})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Service < groups[j].Service })
	return groups, nil
}

// inlineStyle finds the reference page's one inline style.
var inlineStyle = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// DocsHandler serves the human-readable API reference, rendered once.
func DocsHandler() (http.Handler, error) {
	groups, err := Groups()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, groups); err != nil {
		return nil, fmt.Errorf("api: render docs: %w", err)
	}
	page := buf.Bytes()
	// The page's one inline style is allowed by its hash, nothing else: no
	// script, no frames, nothing from elsewhere.
	csp := "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	if m := inlineStyle.FindSubmatch(page); m != nil {
		sum := sha256.Sum256(m[1])
		csp += "; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "DENY")
		_, _ = w.Write(page)
	}), nil
}

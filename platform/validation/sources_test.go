package validation

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// freeTextFiles may describe problems in free text: none.
var freeTextFiles = map[string]bool{}

// TestCallSitesNameCodes walks the repository's Go sources (not tests, not
// generated code) for violations described by free text — validation.Field or
// the Add of a validation.Error given a string literal, a concatenation, a
// fmt.Sprint… or an err.Error() — and for codes the catalogue lacks, in
// validation.New("…") and validation.NotFound("…").
func TestCallSitesNameCodes(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel != "." && strings.HasPrefix(d.Name(), "."), d.Name() == "testdata", d.Name() == "node_modules",
				rel == "proto/gen", rel == "build", rel == "tools", rel == "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || rel == "platform/validation/validation.go" {
			return nil
		}
		files++
		for _, p := range checkSource(t, path, nil) {
			if freeTextFiles[rel] && p.freeText {
				continue
			}
			t.Errorf("%s:%d: %s", rel, p.line, p.what)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked %d Go files from %s: is it the repository?", files, root)
	}
}

// TestCallSiteCheck shows what TestCallSitesNameCodes finds, and what it
// leaves alone.
func TestCallSiteCheck(t *testing.T) {
	t.Parallel()
	src := `package x

func f(err error, w *where, n int) error {
	ve := &validation.Error{}
	var other validation.Error
	ve.Add("a", "is required")                          // 6: literal
	other.Add("b", fmt.Sprintf("at most %d", n))         // 7: Sprintf
	ve.Add("c", "no such "+"thing")                     // 8: concatenation
	ve.Add("d", err.Error())                            // 9: an error's text
	ve.Add("e", validation.TooLong(5))                  // fine
	ve.Add("f", err)                                    // fine: the error carries its problem
	w.Add("x = ?", "literal")                           // fine: not a validation.Error
	_ = validation.New("no_such_code")                  // 13: unknown code
	_ = validation.NotFound("municipality")             // fine
	_ = validation.NotFound("planet")                   // 15: unknown code
	return validation.Field("g", "must be odd")         // 16: literal
}
`
	var lines []int
	for _, f := range checkSource(t, "x.go", src) {
		lines = append(lines, f.line)
	}
	if want := []int{6, 7, 8, 9, 13, 15, 16}; !slices.Equal(lines, want) {
		t.Errorf("findings on lines %v, want %v", lines, want)
	}
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test's directory")
		}
		dir = parent
	}
}

type finding struct {
	line     int
	what     string
	freeText bool
}

// checkSource checks the Go file at path, or src when it is not nil.
func checkSource(t *testing.T, path string, src any) []finding {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []finding
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		line := fset.Position(call.Pos()).Line
		pkg, _ := sel.X.(*ast.Ident)
		switch {
		case pkg != nil && pkg.Name == "validation" && (sel.Sel.Name == "New" || sel.Sel.Name == "NotFound") && len(call.Args) == 1:
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				break
			}
			code, _ := strconv.Unquote(lit.Value)
			if sel.Sel.Name == "NotFound" {
				code = "not_found_" + code
			}
			if _, ok := Lookup(code); !ok {
				out = append(out, finding{line: line, what: "the catalogue has no code " + strconv.Quote(code)})
			}
		case len(call.Args) != 2:
		case pkg != nil && pkg.Name == "validation" && sel.Sel.Name == "Field",
			sel.Sel.Name == "Add" && pkg != nil && isValidationError(pkg):
			if why := describedFreely(call.Args[1]); why != "" {
				out = append(out, finding{line: line, freeText: true,
					what: "a violation described by " + why + ": name a code (validation.Required(), validation.New(\"…\")…)"})
			}
		}
		return true
	})
	return out
}

// isValidationError reports whether id is declared in its file as a
// validation.Error (or a pointer to one).
func isValidationError(id *ast.Ident) bool {
	if id.Obj == nil {
		return false
	}
	var exprs []ast.Expr
	switch d := id.Obj.Decl.(type) {
	case *ast.ValueSpec:
		exprs = append(exprs, d.Type)
		exprs = append(exprs, d.Values...)
	case *ast.AssignStmt:
		for i, l := range d.Lhs {
			if li, ok := l.(*ast.Ident); ok && li.Name == id.Name && i < len(d.Rhs) {
				exprs = append(exprs, d.Rhs[i])
			}
		}
	case *ast.Field:
		exprs = append(exprs, d.Type)
	}
	for _, e := range exprs {
		if e != nil && strings.Contains(types.ExprString(e), "validation.Error") {
			return true
		}
	}
	return false
}

// describedFreely says how e is free text, or "" when it is not evidently so.
func describedFreely(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return "a string literal"
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			if describedFreely(e.X) != "" || describedFreely(e.Y) != "" {
				return "a concatenation"
			}
		}
	case *ast.ParenExpr:
		return describedFreely(e.X)
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok {
			break
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Sprint") {
			return "fmt." + sel.Sel.Name
		}
		if sel.Sel.Name == "Error" && len(e.Args) == 0 {
			return "an error's text (" + types.ExprString(e) + "): return a validation.Problem from the check and pass the error itself"
		}
	}
	return ""
}

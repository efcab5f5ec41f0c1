package k8s

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// binaryEnv is what environment one binary reads: exact names and name
// prefixes (DBINIT_PASSWORD_<SCHEMA>).
type binaryEnv struct {
	names    map[string]bool
	prefixes []string
}

func (b binaryEnv) reads(name string) bool {
	if b.names[name] {
		return true
	}
	for _, p := range b.prefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			return true
		}
	}
	return false
}

// binarySources are the Go packages (relative to the repository's root)
// whose `env:"NAME"` struct tags and os.Getenv("NAME") calls make up what
// each image's binary reads.
var binarySources = map[string][]string{
	"registry":   {"platform/config", "platform/service"},
	"roadmap":    {"platform/config", "platform/service"},
	"indicators": {"platform/config", "platform/service"},
	"gateway":    {"gateway/internal/config"},
	"dbinit":     {"platform/cmd/dbinit"},
}

// readEnv scans the sources of every binary.
func readEnv(t *testing.T) map[string]binaryEnv {
	t.Helper()
	out := map[string]binaryEnv{}
	for bin, dirs := range binarySources {
		e := binaryEnv{names: map[string]bool{}}
		for _, dir := range dirs {
			scanDir(t, filepath.Join("..", "..", dir), &e)
		}
		if len(e.names) == 0 {
			t.Fatalf("no environment variables found for %s in %v", bin, dirs)
		}
		out[bin] = e
	}
	return out
}

func scanDir(t *testing.T, dir string, e *binaryEnv) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, de := range entries {
		if !strings.HasSuffix(de.Name(), ".go") || strings.HasSuffix(de.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, de.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("env"), ","); name != "" {
						e.names[name] = true
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Getenv" || len(n.Args) != 1 {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "os" {
					return true
				}
				switch a := n.Args[0].(type) {
				case *ast.BasicLit:
					s, _ := strconv.Unquote(a.Value)
					e.names[s] = true
				case *ast.BinaryExpr: // "PREFIX_" + something
					if lit, ok := a.X.(*ast.BasicLit); ok && a.Op == token.ADD {
						s, _ := strconv.Unquote(lit.Value)
						e.prefixes = append(e.prefixes, s)
					}
				}
			}
			return true
		})
	}
}

// TestEnvScanner checks the scanner on what it must find.
func TestEnvScanner(t *testing.T) {
	env := readEnv(t)
	for bin, names := range map[string][]string{
		"indicators": {"DATABASE_URL", "DATABASE_READ_URL", "DATABASE_MIGRATE_ONLY", "IDENTITY_KEY", "REGISTRY_ADDR", "GRPC_ADDR"},
		"gateway":    {"HTTP_ADDR", "INDICATORS_ADDR", "TRUST_FORWARDED", "IDENTITY_KEY"},
		"dbinit":     {"DBINIT_ADMIN_URL", "DBINIT_PASSWORD_REGISTRY"},
	} {
		for _, n := range names {
			if !env[bin].reads(n) {
				t.Errorf("%s: %s not found among %v %v", bin, n, sortedKeys(env[bin].names), env[bin].prefixes)
			}
		}
	}
	if env["gateway"].reads("DATABASE_URL") || env["dbinit"].reads("DBINIT_PASSWORD_") {
		t.Error("the scanner finds names a binary does not read")
	}
}

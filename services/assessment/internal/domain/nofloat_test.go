package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFloats keeps binary floating point out of scores, weights, quotas
// and coefficients: no Go file anywhere under this directory, tests
// included, may mention a float or complex type, call anything named
// …Float…, or write a floating-point literal.
func TestNoFloats(t *testing.T) {
	var names []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every package must be covered; a missing one means the walk is wrong.
	for _, want := range []string{"indicator/", "template/", "scoring/", "grade/", "appeal/", "violation/", "figure/", "internal/num/"} {
		found := false
		for _, n := range names {
			found = found || strings.HasPrefix(filepath.ToSlash(n), want)
		}
		if !found {
			t.Errorf("no Go files found under %s", want)
		}
	}
	fset := token.NewFileSet()
	for _, name := range names {
		file, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			bad := ""
			switch n := n.(type) {
			case *ast.Ident:
				if strings.HasPrefix(n.Name, "float") || strings.HasPrefix(n.Name, "complex") {
					bad = n.Name
				}
			case *ast.SelectorExpr:
				if strings.Contains(n.Sel.Name, "Float") {
					bad = n.Sel.Name
				}
			case *ast.BasicLit:
				if n.Kind == token.FLOAT || n.Kind == token.IMAG {
					bad = "literal " + n.Value
				}
			}
			if bad != "" {
				t.Errorf("%s: %s", fset.Position(n.Pos()), bad)
			}
			return true
		})
	}
}

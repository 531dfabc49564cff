package money_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFloatingPoint enforces the package rule that money is never a
// float: no Go file in this package, tests included, may name a float or
// complex type, use a Float function or method, or contain a floating-point
// literal.
func TestNoFloatingPoint(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files found: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				switch n.Name {
				case "float32", "float64", "complex64", "complex128":
					t.Errorf("%s: uses type %s", fset.Position(n.Pos()), n.Name)
				}
			case *ast.SelectorExpr: // strconv.ParseFloat, d.Float64(), big.Rat.FloatString, …
				if strings.Contains(n.Sel.Name, "Float") {
					t.Errorf("%s: uses %s", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.BasicLit:
				if n.Kind == token.FLOAT || n.Kind == token.IMAG {
					t.Errorf("%s: floating-point literal %s", fset.Position(n.Pos()), n.Value)
				}
			}
			return true
		})
	}
}

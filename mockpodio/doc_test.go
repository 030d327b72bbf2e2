package mockpodio_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedNameDocumented keeps `go doc -all` complete: every
// exported const, var, func, type, method and struct field of the package
// has a doc comment (a grouped const or var may share its group's).
func TestEveryExportedNameDocumented(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/devhookhq/devhook/mockpodio")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			if v.Doc != "" {
				continue
			}
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Doc == nil && vs.Comment == nil {
					for _, n := range vs.Names {
						if n.IsExported() {
							missing = append(missing, n.Name)
						}
					}
				}
			}
		}
	}
	values(p.Consts)
	values(p.Vars)
	for _, f := range p.Funcs {
		if f.Doc == "" {
			missing = append(missing, f.Name)
		}
	}
	for _, ty := range p.Types {
		if ty.Doc == "" {
			missing = append(missing, ty.Name)
		}
		values(ty.Consts)
		values(ty.Vars)
		for _, f := range append(ty.Funcs, ty.Methods...) {
			if f.Doc == "" {
				missing = append(missing, ty.Name+"."+f.Name)
			}
		}
		for _, spec := range ty.Decl.Specs {
			st, ok := spec.(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fl := range st.Fields.List {
				if fl.Doc != nil || fl.Comment != nil {
					continue
				}
				for _, n := range fl.Names {
					if n.IsExported() {
						missing = append(missing, ty.Name+"."+n.Name)
					}
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("exported names without a doc comment: %s", strings.Join(missing, ", "))
	}
}

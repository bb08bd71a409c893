package broker

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A source-level audit of every Go file in the module, tests, demo and
// benchmarks included, for two things RabbitMQ 4.3 refuses:
//   - basic.qos with global=true (a channel error from 4.3): every Qos
//     call must pass a literal false as its third argument;
//   - transient non-exclusive queues (refused by default from 4.3): every
//     QueueDeclare must pass a literal true as durable or as exclusive,
//     and no JSON body for the management API's PUT /api/queues may say
//     "durable":false (the API cannot declare an exclusive queue).
//
// Literals only, so the audit can read them; a computed value fails it.
// Two exceptions, named here: a durable argument named transientOnPurpose
// (the pulse's transient-queue rule needs a case, in the demo and its
// test), and checkClassic's probeGlobal, a channel-wide
// prefetch asked only of brokers before 4.3 (where a requeue counts toward
// a quorum queue's delivery limit, which the check guards).
// The declare form, the one place a person chooses (it starts durable and
// refuses transient on 4.3+, see ui.transientQueueCheck), goes through
// mgmt.QueueSpec, which this audit does not cover.
func TestAuditNoGlobalQoSAndNoTransientNonExclusiveQueues(t *testing.T) {
	root := filepath.Join("..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	fset := token.NewFileSet()
	files, calls := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || d.Name() == "amqp_audit_test.go" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "Qos":
					if len(n.Args) == 3 {
						calls++
						if !isIdent(n.Args[2], "false") && !(isIdent(n.Args[2], "probeGlobal") && filepath.Base(path) == "peek_check.go") {
							t.Errorf("%s: Qos with global not a literal false", fset.Position(n.Pos()))
						}
					}
				case "QueueDeclare":
					if len(n.Args) == 6 {
						calls++
						if !isIdent(n.Args[1], "true") && !isIdent(n.Args[3], "true") && !isIdent(n.Args[1], "transientOnPurpose") {
							t.Errorf("%s: QueueDeclare neither durable nor exclusive by a literal true", fset.Position(n.Pos()))
						}
					}
				}
			}
			if call, ok := n.(*ast.CallExpr); ok && transientQueuePUT(call) {
				t.Errorf("%s: a management API request declares a transient queue", fset.Position(call.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 || calls < 20 {
		t.Fatalf("audited %d files and %d calls: the walk missed the module", files, calls)
	}
	t.Logf("audited %d Go files, %d Qos and QueueDeclare calls", files, calls)
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// transientQueuePUT: a call whose arguments name /api/queues/ and carry a
// body with "durable":false.
func transientQueuePUT(call *ast.CallExpr) bool {
	var path, transient bool
	for _, a := range call.Args {
		ast.Inspect(a, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				path = path || strings.Contains(lit.Value, "/api/queues/")
				transient = transient || strings.Contains(strings.ReplaceAll(lit.Value, " ", ""), `"durable":false`)
			}
			return true
		})
	}
	return path && transient
}

package report

import (
	"go/ast"
	"slices"
	"testing"

	"github.com/ftpdiag/ftpdiag/probe"
)

// TestVocabularyFindingIDs: FindingIDs (vocab.go) is exactly the set of ids
// the rules emit, so that `ftpdiag render` accepts every report a rule can
// make and nothing else.
func TestVocabularyFindingIDs(t *testing.T) {
	emitted := findingIDs(t)
	for _, id := range emitted {
		if !slices.Contains(FindingIDs, id) {
			t.Errorf("finding id %q is emitted by a rule but missing from FindingIDs in report/vocab.go: render would refuse its reports", id)
		}
	}
	for _, id := range FindingIDs {
		if !slices.Contains(emitted, id) {
			t.Errorf("FindingIDs in report/vocab.go lists %q, which no rule emits", id)
		}
	}
	seen := map[string]bool{}
	for _, id := range FindingIDs {
		if seen[id] {
			t.Errorf("FindingIDs lists %q twice", id)
		}
		seen[id] = true
	}
}

// TestVocabularyOutcomes: probe.Outcomes lists every probe.Outcome constant.
func TestVocabularyOutcomes(t *testing.T) {
	consts := outcomeValues(t)
	for _, o := range consts {
		if !slices.Contains(probe.Outcomes, probe.Outcome(o)) {
			t.Errorf("outcome %q is a probe.Outcome constant but missing from probe.Outcomes (probe/result.go)", o)
		}
	}
	if len(probe.Outcomes) != len(consts) {
		t.Errorf("probe.Outcomes has %d values, probe declares %d Outcome constants", len(probe.Outcomes), len(consts))
	}
}

// TestVocabularyFixAudiences: every `For: "x"` literal in report/ is a fix
// audience Validate accepts.
func TestVocabularyFixAudiences(t *testing.T) {
	n := 0
	for _, f := range goFiles(t, ".") {
		ast.Inspect(f, func(node ast.Node) bool {
			kv, ok := node.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "For" {
				if s, ok := stringLit(kv.Value); ok {
					n++
					if !slices.Contains(fixAudiences(), s) {
						t.Errorf("fix audience %q is missing from report/vocab.go (firewallAudiences or softwareKeys)", s)
					}
				}
			}
			return true
		})
	}
	if n < 10 {
		t.Fatalf("found only %d For: literals: the parse is broken", n)
	}
}

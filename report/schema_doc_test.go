package report

import (
	"encoding"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The tests below keep docs/json-schema.md (and docs/findings.md) in step
// with the code. The schema doc is organised in sections, one per Go type
// that appears in the JSON: a section's heading ends with the type's name in
// backticks between parentheses, e.g.
//
//	## `findings[]` (`report.Finding`)
//
// and the section (down to the next heading) names each JSON field of that
// type in backticks: `id`, `severity`... Fields of an embedded struct are
// promoted, as encoding/json does, so they belong to the embedding type's
// section. Types that marshal themselves (time.Time, netip.AddrPort) are
// leaves: their format is described where they are used.

const (
	schemaDocPath   = "../docs/json-schema.md"
	findingsDocPath = "../docs/findings.md"
)

// schemaRoots are the values the JSON reports encode: `ftpdiag probe` and
// `ftpdiag analyze` with one session write a Diagnosis, `ftpdiag analyze`
// with several a CaptureDiagnosis.
var schemaRoots = []reflect.Type{
	reflect.TypeOf(Diagnosis{}),
	reflect.TypeOf(CaptureDiagnosis{}),
}

// jsonField is one JSON member of a struct.
type jsonField struct {
	name string
	typ  reflect.Type
}

var (
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// marshalsItself reports whether encoding/json leaves t's layout to t.
func marshalsItself(t reflect.Type) bool {
	for _, u := range []reflect.Type{t, reflect.PointerTo(t)} {
		if u.Implements(jsonMarshaler) || u.Implements(textMarshaler) {
			return true
		}
	}
	return false
}

// typeKey names a named type as the doc does: "report.Finding".
func typeKey(t reflect.Type) string {
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// jsonFields lists the JSON members of struct type t in field order, with
// the members of untagged embedded structs promoted (a member of the outer
// struct hides a promoted one of the same name).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	seen := map[string]bool{}
	var promoted []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct && !marshalsItself(et) {
				promoted = append(promoted, jsonFields(et)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		seen[name] = true
		out = append(out, jsonField{name, ft})
	}
	for _, p := range promoted {
		if !seen[p.name] {
			seen[p.name] = true
			out = append(out, p)
		}
	}
	return out
}

// schemaStructs walks the types reachable from roots through struct
// fields, slices, arrays, pointers and map values, and returns each struct
// type met, keyed by typeKey, with its JSON fields.
func schemaStructs(t *testing.T, roots []reflect.Type) map[string][]jsonField {
	t.Helper()
	out := map[string][]jsonField{}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, via string) {
		for {
			switch ty.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
				if ty.Kind() == reflect.Map && ty.Key().Kind() != reflect.String && !ty.Key().Implements(textMarshaler) {
					t.Errorf("%s: map key %s is neither a string nor a TextMarshaler", via, ty.Key())
				}
				ty = ty.Elem()
				continue
			}
			break
		}
		if marshalsItself(ty) {
			return
		}
		switch ty.Kind() {
		case reflect.Interface:
			t.Errorf("%s: interface type %s: its JSON layout cannot be checked against the doc", via, ty)
			return
		case reflect.Struct:
		default:
			return
		}
		key := typeKey(ty)
		if ty.Name() == "" {
			t.Errorf("%s: anonymous struct type: give it a name so the doc can have a section for it", via)
			return
		}
		if _, ok := out[key]; ok {
			return
		}
		fs := jsonFields(ty)
		out[key] = fs
		for _, f := range fs {
			walk(f.typ, key+"."+f.name)
		}
	}
	for _, r := range roots {
		walk(r, typeKey(r))
	}
	return out
}

// docSection is the text under one heading of a markdown doc.
type docSection struct {
	heading string
	body    string
}

// docSections splits markdown into its sections (headings of any level).
func docSections(doc string) []docSection {
	var out []docSection
	var cur *docSection
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "#") {
			out = append(out, docSection{heading: line})
			cur = &out[len(out)-1]
			continue
		}
		if cur != nil {
			cur.body += line + "\n"
		}
	}
	return out
}

// sectionTypes matches the type list closing a heading: "(`report.Finding`)"
// or "(`capture.ICMPFact`, `capture.RSTFact`)".
var (
	sectionTypes = regexp.MustCompile("\\(((?:`[\\w.]+`(?:, )?)+)\\)\\s*$")
	backticked   = regexp.MustCompile("`([^`]+)`")
)

// typeSections maps each type named in a heading to its section's text.
func typeSections(t *testing.T, doc string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range docSections(doc) {
		m := sectionTypes.FindStringSubmatch(s.heading)
		if m == nil {
			continue
		}
		for _, tm := range backticked.FindAllStringSubmatch(m[1], -1) {
			if _, dup := out[tm[1]]; dup {
				t.Errorf("%s: two sections claim type %s", schemaDocPath, tm[1])
			}
			out[tm[1]] = s.heading + "\n" + s.body
		}
	}
	return out
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSchemaDocFields: every JSON field of every type reachable from the
// report's roots is named in its type's section of docs/json-schema.md.
func TestSchemaDocFields(t *testing.T) {
	sections := typeSections(t, readDoc(t, schemaDocPath))
	structs := schemaStructs(t, schemaRoots)
	if len(structs) < 10 {
		t.Fatalf("walked only %d struct types: the walk is broken", len(structs))
	}
	keys := make([]string, 0, len(structs))
	for k := range structs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var missing []string
	for _, k := range keys {
		body, ok := sections[k]
		if !ok {
			t.Errorf("%s has no section for %s: add a heading ending in (`%s`) that lists its fields", schemaDocPath, k, k)
			continue
		}
		for _, f := range structs[k] {
			if !strings.Contains(body, "`"+f.name+"`") {
				missing = append(missing, k+": `"+f.name+"`")
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("JSON fields not documented in their type's section of %s:\n\t%s", schemaDocPath, strings.Join(missing, "\n\t"))
	}
	// A section for a type the JSON no longer holds is stale.
	for k := range sections {
		if _, ok := structs[k]; !ok && k != "probe.Outcome" {
			t.Errorf("%s has a section for %s, which the JSON report does not contain", schemaDocPath, k)
		}
	}
}

// goFiles parses the non-test Go files of dir.
func goFiles(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// outcomeValues are the values of the constants of type probe.Outcome.
func outcomeValues(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range goFiles(t, "../probe") {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Outcome" {
					continue
				}
				for i, v := range vs.Values {
					s, ok := stringLit(v)
					if !ok {
						t.Errorf("probe: Outcome constant %s is not a string literal", vs.Names[i].Name)
						continue
					}
					out = append(out, s)
				}
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d Outcome constants in probe/: the parse is broken", len(out))
	}
	return out
}

// TestSchemaDocOutcomes: the outcome table of docs/json-schema.md (the
// section ending in (`probe.Outcome`)) lists exactly the probe.Outcome
// constants.
func TestSchemaDocOutcomes(t *testing.T) {
	sections := typeSections(t, readDoc(t, schemaDocPath))
	body, ok := sections["probe.Outcome"]
	if !ok {
		t.Fatalf("%s has no section ending in (`probe.Outcome`)", schemaDocPath)
	}
	values := outcomeValues(t)
	known := map[string]bool{}
	for _, v := range values {
		known[v] = true
		if !strings.Contains(body, "| `"+v+"` |") {
			t.Errorf("outcome %q is not a row of the outcome table in %s", v, schemaDocPath)
		}
	}
	// The vocabulary is closed: the table holds no value the code lacks.
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")
	for _, m := range row.FindAllStringSubmatch(body, -1) {
		if !known[m[1]] {
			t.Errorf("%s lists outcome %q, which is no probe.Outcome constant", schemaDocPath, m[1])
		}
	}
}

// findingIDs are the string literals given as a finding's ID in report/:
// `ID: "x"` in composite literals and `f.ID = "x"` assignments.
func findingIDs(t *testing.T) []string {
	t.Helper()
	set := map[string]bool{}
	for _, f := range goFiles(t, ".") {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "ID" {
					if s, ok := stringLit(n.Value); ok {
						set[s] = true
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "ID" && i < len(n.Rhs) {
						if s, ok := stringLit(n.Rhs[i]); ok {
							set[s] = true
						}
					}
				}
			}
			return true
		})
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 10 {
		t.Fatalf("found only %d finding ids in report/: the parse is broken", len(ids))
	}
	return ids
}

// TestSchemaDocFindingIDs: every finding id the rules emit has its entry
// (a "### `id`" heading) in docs/findings.md and is listed in the finding
// ids section of docs/json-schema.md; neither doc names an id no rule emits.
func TestSchemaDocFindingIDs(t *testing.T) {
	ids := findingIDs(t)
	emitted := map[string]bool{}
	for _, id := range ids {
		emitted[id] = true
	}

	catalogue := map[string]bool{}
	head := regexp.MustCompile("^### `([a-z0-9-]+)`")
	for _, s := range docSections(readDoc(t, findingsDocPath)) {
		if m := head.FindStringSubmatch(s.heading); m != nil {
			catalogue[m[1]] = true
			if !emitted[m[1]] {
				t.Errorf("%s has an entry for %q, which no rule in report/ emits", findingsDocPath, m[1])
			}
		}
	}

	var list string
	for _, s := range docSections(readDoc(t, schemaDocPath)) {
		if strings.Contains(s.heading, "Finding ids") {
			list = s.body
		}
	}
	if list == "" {
		t.Fatalf("%s has no \"Finding ids\" section", schemaDocPath)
	}
	listed := map[string]bool{}
	for _, m := range backticked.FindAllStringSubmatch(list, -1) {
		listed[m[1]] = true
	}
	for _, id := range ids {
		if !catalogue[id] {
			t.Errorf("finding id %q has no \"### `%s`\" entry in %s", id, id, findingsDocPath)
		}
		if !listed[id] {
			t.Errorf("finding id %q is not listed in the Finding ids section of %s", id, schemaDocPath)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|")
	for _, m := range row.FindAllStringSubmatch(list, -1) {
		if !emitted[m[1]] {
			t.Errorf("%s lists finding id %q, which no rule in report/ emits", schemaDocPath, m[1])
		}
	}
}

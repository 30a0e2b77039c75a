package report

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ftpdiag/ftpdiag/probe"
)

// Validate checks a diagnosis read back from a file (`ftpdiag render`)
// before anything renders it: the schema, the fields every report has,
// and that each closed vocabulary holds only its values (finding ids,
// severities, fix audiences, modes, outcomes, matrix cells, ladder ends;
// vocab.go), that reply codes have three digits and that no count, size,
// port or packet number is negative. The error is one line naming the
// first bad field by its JSON path. Rendering stays safe without it
// (every renderer sanitises), but a report that no ftpdiag could have
// written is refused rather than shown as if it were a diagnosis.
func (d *Diagnosis) Validate() error {
	if d == nil {
		return fmt.Errorf("invalid report: empty")
	}
	if d.Schema != Schema {
		return fmt.Errorf("invalid report: schema %q, want %q", d.Schema, Schema)
	}
	c := &checker{}
	c.require("verdict", d.Verdict != "")
	c.require("findings", d.Findings != nil)
	c.require("matrix", d.Matrix != nil)
	c.require("ladders", d.Ladders != nil)
	for i, f := range d.Findings {
		c.finding(fmt.Sprintf("findings[%d]", i), f)
	}
	for i, r := range d.Matrix {
		c.matrixRow(fmt.Sprintf("matrix[%d]", i), r)
	}
	for i, l := range d.Ladders {
		c.ladder(fmt.Sprintf("ladders[%d]", i), l)
	}
	if d.Session != nil {
		c.oneOf("session.vantage", d.Session.Vantage, vantages)
	}
	c.walk(reflect.ValueOf(d).Elem(), "")
	if c.err != nil {
		return fmt.Errorf("invalid report: %w", c.err)
	}
	return nil
}

// checker keeps the first problem found.
type checker struct{ err error }

func (c *checker) fail(path, format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %s", strings.TrimPrefix(path, "."), fmt.Sprintf(format, a...))
	}
}

func (c *checker) require(path string, ok bool) {
	if !ok {
		c.fail(path, "missing")
	}
}

// oneOf checks that v is one of set; the message lists a short set.
func oneOf[T ~string](c *checker, path string, v T, set []T) {
	if slices.Contains(set, v) {
		return
	}
	if len(set) <= 8 {
		var names []string
		for _, s := range set {
			names = append(names, strconv.Quote(string(s)))
		}
		c.fail(path, "%q is not one of %s", v, strings.Join(names, ", "))
		return
	}
	c.fail(path, "unknown value %q", v)
}

func (c *checker) oneOf(path, v string, set []string) { oneOf(c, path, v, set) }

func (c *checker) mode(path, m string) { oneOf(c, path, probe.Mode(m), reportModes()) }

func (c *checker) finding(path string, f Finding) {
	c.oneOf(path+".id", f.ID, FindingIDs)
	c.oneOf(path+".source", f.Source, findingSources)
	for j, m := range f.Modes {
		c.mode(fmt.Sprintf("%s.modes[%d]", path, j), m)
	}
	for j, fx := range f.Fixes {
		c.oneOf(fmt.Sprintf("%s.fixes[%d].for", path, j), fx.For, fixAudiences())
	}
}

func (c *checker) matrixRow(path string, r MatrixRow) {
	c.mode(path+".mode", r.Mode)
	c.oneOf(path+".endpoint_kind", r.EndpointKind, []string{"", "dialled", "listened"})
	for _, cell := range []struct{ name, v string }{{"setup", r.Setup}, {"connect", r.Connect}, {"list", r.List}, {"retr", r.Retr}} {
		if !matrixCell(cell.v) {
			c.fail(path+"."+cell.name, "%q is neither an outcome, \"reply NNN\" nor \"-\"", cell.v)
		}
	}
}

// matrixCell reports whether s is what matrix.go writes in an outcome
// cell: an outcome, "reply NNN" or "-".
func matrixCell(s string) bool {
	if s == "-" || slices.Contains(probe.Outcomes, probe.Outcome(s)) {
		return true
	}
	code, ok := strings.CutPrefix(s, "reply ")
	n, err := strconv.Atoi(code)
	return ok && err == nil && len(code) == 3 && n >= 100
}

func (c *checker) ladder(path string, l Ladder) {
	c.mode(path+".mode", l.Mode)
	for j, e := range l.Events {
		p := fmt.Sprintf("%s.events[%d]", path, j)
		c.oneOf(p+".from", e.From, []string{"client", "server"})
		c.oneOf(p+".conn", e.Conn, []string{"control", "data"})
	}
}

var (
	severityType = reflect.TypeFor[Severity]()
	outcomeType  = reflect.TypeFor[probe.Outcome]()
	modeType     = reflect.TypeFor[probe.Mode]()
	replyType    = reflect.TypeFor[ReplyRecord]()
)

// walk checks every value of a closed type wherever it sits (severities,
// outcomes, probe modes), every reply code, and that no integer is
// negative: counts, sizes, ports and packet numbers all start at 0.
func (c *checker) walk(v reflect.Value, path string) {
	if c.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			c.walk(v.Elem(), path)
		}
	case reflect.Struct:
		c.walkStruct(v, path)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			c.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			c.walk(v.MapIndex(k), path+"."+k.String())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.Int() < 0 {
			c.fail(path, "%d is negative", v.Int())
		}
	case reflect.String:
		c.closedString(v, path)
	}
}

func (c *checker) walkStruct(v reflect.Value, path string) {
	if v.Type() == replyType {
		if code := v.FieldByName("Code").Int(); code != 0 && (code < 100 || code > 999) {
			c.fail(path+".code", "%d is not a three-digit reply code", code)
		}
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if f.Anonymous {
			c.walk(v.Field(i), path)
			continue
		}
		c.walk(v.Field(i), path+"."+name)
	}
}

func (c *checker) closedString(v reflect.Value, path string) {
	s := v.String()
	switch v.Type() {
	case severityType:
		oneOf(c, path, Severity(s), Severities)
	case outcomeType:
		if s != "" {
			oneOf(c, path, probe.Outcome(s), probe.Outcomes)
		}
	case modeType:
		if s != "" {
			oneOf(c, path, probe.Mode(s), reportModes())
		}
	}
}

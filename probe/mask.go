package probe

import (
	"reflect"
	"strings"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// A server may echo what it was sent: "530 Login incorrect for user alice
// with password hunter2", "500 'PASS hunter2': command not understood". The
// probe redacts the PASS it sends, but such a reply carries the password
// back into the result, and from there into every report format and the -v
// transcript. So before Run returns, the known password is masked in every
// piece of text the result keeps: replies, transcripts, step errors, notes.

// Masked replaces a password wherever server text quoted it.
const Masked = "****"

// skipMask are the types whose strings are never server text: the target
// (what the user asked for) and ftp.Interpret's readings (our own table).
var skipMask = map[reflect.Type]bool{
	reflect.TypeOf(Target{}):             true,
	reflect.TypeOf(ftp.Interpretation{}): true,
}

// maskSecrets masks the target's password in res, unless it is the
// conventional anonymous one (not a secret).
func maskSecrets(res *Result, t Target) {
	if t.Password == "" || t.PasswordSource == "anonymous" {
		return
	}
	MaskSecret(res, t.Password)
}

// MaskSecret replaces every occurrence of secret in the plain string values
// reachable from v (a pointer): struct fields, slice and array elements,
// through pointers. Named string types (Outcome, Mode...) are vocabulary,
// not text, and are left alone; so are the types in skipMask. Map values
// are not reached (no result type holds text in a map).
func MaskSecret(v any, secret string) {
	if secret == "" {
		return
	}
	m := masker{secret: secret, seen: map[uintptr]bool{}}
	m.walk(reflect.ValueOf(v))
}

type masker struct {
	secret string
	seen   map[uintptr]bool
}

var plainString = reflect.TypeOf("")

func (m *masker) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if m.seen[v.Pointer()] {
				return
			}
			m.seen[v.Pointer()] = true
		}
		m.walk(v.Elem())
	case reflect.Struct:
		if skipMask[v.Type()] {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				m.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			m.walk(v.Index(i))
		}
	case reflect.String:
		if v.Type() == plainString && v.CanSet() && strings.Contains(v.String(), m.secret) {
			v.SetString(strings.ReplaceAll(v.String(), m.secret, Masked))
		}
	}
}

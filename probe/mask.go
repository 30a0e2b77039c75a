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
	walkValues(reflect.ValueOf(v), func(v reflect.Value) bool {
		if skipMask[v.Type()] {
			return true
		}
		if v.Kind() == reflect.String && v.Type() == plainString && v.CanSet() && strings.Contains(v.String(), secret) {
			v.SetString(strings.ReplaceAll(v.String(), secret, Masked))
		}
		return false
	})
}

var plainString = reflect.TypeOf("")

// walkValues calls visit on every value reachable from v through
// pointers, interfaces, exported struct fields, slices and arrays, each
// pointer once; visit returns true to not descend into a value.
func walkValues(v reflect.Value, visit func(reflect.Value) bool) {
	walk(v, visit, map[uintptr]bool{})
}

func walk(v reflect.Value, visit func(reflect.Value) bool, seen map[uintptr]bool) {
	if !v.IsValid() || visit(v) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		walk(v.Elem(), visit, seen)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), visit, seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), visit, seen)
		}
	}
}

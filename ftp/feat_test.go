package ftp

import (
	"reflect"
	"testing"
)

func TestParseFeat(t *testing.T) {
	tests := []struct {
		name string
		r    Reply
		want []string
	}{
		{"vsftpd", Reply{211, []string{"211-Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End"}},
			[]string{"EPRT", "EPSV", "MDTM", "PASV", "REST STREAM", "SIZE", "TVFS", "UTF8"}},
		{"iis", Reply{211, []string{"211-Extended features supported:", " LANG EN*", " UTF8", " AUTH TLS;TLS-C;SSL;TLS-P;", " PBSZ", " PROT C;P;", " CCC", " HOST", " SIZE", " MDTM", " REST STREAM", "211 END"}},
			[]string{"LANG EN*", "UTF8", "AUTH TLS;TLS-C;SSL;TLS-P;", "PBSZ", "PROT C;P;", "CCC", "HOST", "SIZE", "MDTM", "REST STREAM"}},
		{"blank lines skipped", Reply{211, []string{"211-Features:", "", "  SIZE  ", "211 End"}}, []string{"SIZE"}},
		{"no features", Reply{211, []string{"211 No features"}}, nil},
		{"unsupported", Reply{500, []string{"500 Unknown command."}}, nil},
	}
	for _, tt := range tests {
		if got := ParseFeat(tt.r); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParseFeat = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHasFeature(t *testing.T) {
	feat := []string{"EPRT", "MLST type*;size*;", "REST STREAM", "utf8"}
	for name, want := range map[string]bool{"EPRT": true, "eprt": true, "MLST": true, "REST": true, "REST STREAM": true, "UTF8": true, "EPSV": false, "MLS": false} {
		if got := HasFeature(feat, name); got != want {
			t.Errorf("HasFeature(%q) = %v", name, got)
		}
	}
}

package ftp

import "testing"

func TestParseListLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want ListEntry
		ok   bool
	}{
		{"vsftpd file", "-rw-r--r--    1 0        0         1048576 Nov 25 17:00 big.bin", ListEntry{"big.bin", 1048576, EntryFile}, true},
		{"vsftpd dir", "drwxr-xr-x    2 0        0            4096 Nov 25 17:00 pub", ListEntry{"pub", 4096, EntryDir}, true},
		{"vsftpd year", "-rw-r--r--    1 0        0              42 Jan 02  2024 small.txt", ListEntry{"small.txt", 42, EntryFile}, true},
		{"vsftpd symlink", "lrwxrwxrwx    1 0        0               7 Nov 25 17:00 current -> v1.2.3", ListEntry{"current", 7, EntryLink}, true},
		{"symlink with spaces", "lrwxrwxrwx 1 ftp ftp 7 Nov 25 17:00 my link -> my target", ListEntry{"my link", 7, EntryLink}, true},
		{"name with spaces", "-rw-r--r--    1 1000     1000          123 Mar  3 09:15 annual report 2025.pdf", ListEntry{"annual report 2025.pdf", 123, EntryFile}, true},
		{"file with arrow is not a link", "-rw-r--r-- 1 ftp ftp 5 Nov 25 17:00 a -> b", ListEntry{"a -> b", 5, EntryFile}, true},
		{"proftpd", "-rw-r--r--   1 ftp      ftp          1234 Nov 25 17:00 file.txt", ListEntry{"file.txt", 1234, EntryFile}, true},
		{"pure-ftpd", "-rw-r--r--    1 1000       1000             5120 Nov 25 17:00 data.csv", ListEntry{"data.csv", 5120, EntryFile}, true},
		{"filezilla", "-rw-r--r-- 1 ftp ftp          10485760 Nov 25 17:00 10MB.bin", ListEntry{"10MB.bin", 10485760, EntryFile}, true},
		{"no group column", "-rw-r--r-- 1 owner 99 Nov 25 17:00 x.txt", ListEntry{"x.txt", 99, EntryFile}, true},
		{"acl plus", "-rw-r--r--+   1 root root 10 Nov 25 17:00 acl.txt", ListEntry{"acl.txt", 10, EntryFile}, true},
		{"iso date", "-rw-r--r-- 1 root root 77 2025-11-25 17:00 iso.txt", ListEntry{"iso.txt", 77, EntryFile}, true},
		{"owner named like a month", "-rw-r--r-- 1 may jun 12 Nov 25 17:00 m.txt", ListEntry{"m.txt", 12, EntryFile}, true},
		{"name looking like date", "-rw-r--r-- 1 ftp ftp 1 Nov 25 17:00 Dec 31 2020", ListEntry{"Dec 31 2020", 1, EntryFile}, true},
		{"fifo", "prw-r--r-- 1 ftp ftp 0 Nov 25 17:00 pipe", ListEntry{"pipe", 0, EntryOther}, true},
		{"CRLF", "-rw-r--r-- 1 ftp ftp 3 Nov 25 17:00 crlf.txt\r\n", ListEntry{"crlf.txt", 3, EntryFile}, true},
		{"iis file", "11-25-26  05:00PM              1234 file.txt", ListEntry{"file.txt", 1234, EntryFile}, true},
		{"iis dir", "11-25-26  05:00PM       <DIR>          sub dir", ListEntry{"sub dir", 0, EntryDir}, true},
		{"iis 4-digit year 24h", "11-25-2026  17:00                 99 a b.txt", ListEntry{"a b.txt", 99, EntryFile}, true},
		{"total", "total 8", ListEntry{}, false},
		{"empty", "", ListEntry{}, false},
		{"garbage", "hello world this is not a listing", ListEntry{}, false},
		{"no name", "-rw-r--r-- 1 ftp ftp 3 Nov 25 17:00", ListEntry{}, false},
		{"no name trailing space", "-rw-r--r-- 1 ftp ftp 3 Nov 25 17:00 ", ListEntry{}, false},
		{"negative size", "-rw-r--r-- 1 ftp ftp -3 Nov 25 17:00 neg", ListEntry{}, false},
		{"bad perms", "-rw-r--r-Q 1 ftp ftp 3 Nov 25 17:00 x", ListEntry{}, false},
		{"iis bad size", "11-25-26  05:00PM  12x file.txt", ListEntry{}, false},
		{"iis no name", "11-25-26  05:00PM  <DIR>", ListEntry{}, false},
		{"symlink blank name (fuzz)", "lxxxxxxxxx 0 JAn 1 2000   -> ", ListEntry{}, false},
		{"symlink blank name before target", "lrwxrwxrwx 1 ftp ftp 7 Nov 25 17:00    -> target", ListEntry{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseListLine(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: ParseListLine(%q) = %+v, %v; want %+v, %v", tt.name, tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

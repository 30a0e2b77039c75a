package ftp

import (
	"strings"
	"testing"
)

var vsftpdFeatLines = []string{"EPRT", "EPSV", "MDTM", "PASV", "REST STREAM", "SIZE", "TVFS", "UTF8"}

func TestDetectServer(t *testing.T) {
	tests := []struct {
		name   string
		banner string
		syst   string
		feat   []string
		want   ServerInfo
	}{
		{"vsftpd", "220 (vsFTPd 3.0.3)", "215 UNIX Type: L8", vsftpdFeatLines,
			ServerInfo{SoftwareVsftpd, "3.0.3", "220 (vsFTPd 3.0.3)"}},
		{"vsftpd 2", "220 (vsFTPd 2.3.4)", "", nil, ServerInfo{SoftwareVsftpd, "2.3.4", "220 (vsFTPd 2.3.4)"}},
		{"proftpd", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.2]", "215 UNIX Type: L8", nil,
			ServerInfo{SoftwareProFTPD, "1.3.8", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.2]"}},
		{"proftpd letter version", "220 ProFTPD 1.3.5e Server (ProFTPD Default Installation) [192.168.1.2]", "", nil,
			ServerInfo{SoftwareProFTPD, "1.3.5e", "220 ProFTPD 1.3.5e Server (ProFTPD Default Installation) [192.168.1.2]"}},
		{"proftpd no version", "220 ProFTPD Server (ProFTPD) [10.0.0.2]", "", nil,
			ServerInfo{SoftwareProFTPD, "", "220 ProFTPD Server (ProFTPD) [10.0.0.2]"}},
		{"pure-ftpd", "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\n220-You are user number 1 of 50 allowed.\n220 You will be disconnected after 15 minutes of inactivity.", "215 UNIX Type: L8", nil,
			ServerInfo{SoftwarePureFTPd, "", "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------"}},
		{"filezilla 1.x", "220-FileZilla Server 1.8.0\n220 Please visit https://filezilla-project.org/", "215 UNIX emulated by FileZilla.", nil,
			ServerInfo{SoftwareFileZilla, "1.8.0", "220-FileZilla Server 1.8.0"}},
		{"filezilla 0.9", "220-FileZilla Server version 0.9.60 beta\n220-written by Tim Kosse (tim.kosse@filezilla-project.org)\n220 Please visit https://filezilla-project.org/", "", nil,
			ServerInfo{SoftwareFileZilla, "0.9.60", "220-FileZilla Server version 0.9.60 beta"}},
		{"filezilla by SYST", "220 Welcome", "215 UNIX emulated by FileZilla", nil,
			ServerInfo{SoftwareFileZilla, "", "215 UNIX emulated by FileZilla"}},
		{"iis", "220 Microsoft FTP Service", "215 Windows_NT", nil, ServerInfo{SoftwareIIS, "", "220 Microsoft FTP Service"}},
		{"iis custom banner", "220 Welcome to ACME", "215 Windows_NT", nil, ServerInfo{SoftwareIIS, "", "215 Windows_NT"}},
		{"vsftpd custom banner by FEAT", "220 Welcome to ACME FTP service.", "215 UNIX Type: L8", vsftpdFeatLines,
			ServerInfo{SoftwareVsftpd, "", "FEAT " + strings.Join(vsftpdFeatLines, ", ")}},
		{"vsftpd FEAT with TLS, pasv disabled", "220 Hi", "", []string{"AUTH TLS", "EPRT", "MDTM", "PBSZ", "PROT", "REST STREAM", "SIZE", "TVFS", "UTF8"},
			ServerInfo{SoftwareVsftpd, "", "FEAT AUTH TLS, EPRT, MDTM, PBSZ, PROT, REST STREAM, SIZE, TVFS, UTF8"}},
		{"pure-ftpd by FEAT", "220 Hi", "", []string{"EPRT", "IDLE", "MDTM", "SIZE", "MFMT", "REST STREAM", "MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;", "MLSD", "PRET", "AUTH TLS", "PBSZ", "PROT", "UTF8", "TVFS", "ESTA", "PASV", "EPSV", "ESTP"},
			ServerInfo{SoftwarePureFTPd, "", "FEAT EPRT, IDLE, MDTM, SIZE, MFMT, REST STREAM, MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;, MLSD, PRET, AUTH TLS, PBSZ, PROT, UTF8, TVFS, ESTA, PASV, EPSV, ESTP"}},
		{"FEAT with MLST is not vsftpd", "220 Hi", "215 UNIX Type: L8", []string{"MDTM", "REST STREAM", "SIZE", "MLST type*;size*;modify*;", "MLSD", "UTF8", "TVFS", "EPSV", "EPRT"},
			ServerInfo{Software: SoftwareUnknown}},
		{"FEAT out of vsftpd order", "220 Hi", "", []string{"SIZE", "MDTM", "REST STREAM", "TVFS"}, ServerInfo{Software: SoftwareUnknown}},
		{"unix syst only", "220 Hi", "215 UNIX Type: L8", nil, ServerInfo{Software: SoftwareUnknown}},
		{"nothing", "", "", nil, ServerInfo{Software: SoftwareUnknown}},
		{"name inside a word does not count", "220 notvsftpdish server", "", nil, ServerInfo{Software: SoftwareUnknown}},
	}
	for _, tt := range tests {
		if got := DetectServer(tt.banner, tt.syst, tt.feat); got != tt.want {
			t.Errorf("%s: DetectServer = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

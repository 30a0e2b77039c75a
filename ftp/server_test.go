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
		{"pyftpdlib", "220 pyftpdlib 1.5.7 ready.", "215 UNIX Type: L8", nil,
			ServerInfo{SoftwarePyftpdlib, "1.5.7", "220 pyftpdlib 1.5.7 ready."}},
		{"twisted", "220 Twisted 22.4.0 FTP Server", "215 UNIX Type: L8", twistedFeat,
			ServerInfo{SoftwareTwisted, "22.4.0", "220 Twisted 22.4.0 FTP Server"}},
		{"twisted by FEAT", "220 Welcome", "215 UNIX Type: L8", []string{"FEAT", "MDTM", "PASV", "SIZE", "TYPE A;I"},
			ServerInfo{SoftwareTwisted, "", "FEAT FEAT, MDTM, PASV, SIZE, TYPE A;I"}},
		{"twisted FEAT plus more is not twisted", "220 Welcome", "", []string{"FEAT", "MDTM", "PASV", "SIZE", "TYPE A;I", "EPSV"},
			ServerInfo{Software: SoftwareUnknown}},
		{"the word twisted alone", "220 a twisted little server", "", nil, ServerInfo{Software: SoftwareUnknown}},
		{"serv-u", "220 Serv-U FTP Server v15.1 ready...", "215 UNIX Type: L8", nil,
			ServerInfo{SoftwareServU, "15.1", "220 Serv-U FTP Server v15.1 ready..."}},
		{"serv-u winsock", "220 Serv-U FTP Server v6.4 for WinSock ready...", "", nil,
			ServerInfo{SoftwareServU, "6.4", "220 Serv-U FTP Server v6.4 for WinSock ready..."}},
		{"wing ftp", "220 Wing FTP Server ready... (UNREGISTERED WING FTP SERVER)", "", nil,
			ServerInfo{SoftwareWingFTP, "", "220 Wing FTP Server ready... (UNREGISTERED WING FTP SERVER)"}},
		{"crushftp", "220 CrushFTP Server Ready!", "", nil, ServerInfo{SoftwareCrushFTP, "", "220 CrushFTP Server Ready!"}},
		{"cerberus", "220-Welcome to Cerberus FTP Server\n220 Created by Cerberus, LLC", "", nil,
			ServerInfo{SoftwareCerberus, "", "220-Welcome to Cerberus FTP Server"}},
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

func TestSoftwareName(t *testing.T) {
	tests := []struct {
		s    Software
		want string
	}{
		{SoftwareVsftpd, "vsftpd"}, {SoftwareProFTPD, "ProFTPD"}, {SoftwarePureFTPd, "Pure-FTPd"},
		{SoftwareFileZilla, "FileZilla Server"}, {SoftwareIIS, "Microsoft IIS FTP"}, {SoftwarePyftpdlib, "pyftpdlib"},
		{SoftwareTwisted, "Twisted FTP"}, {SoftwareServU, "Serv-U"}, {SoftwareWingFTP, "Wing FTP Server"},
		{SoftwareCrushFTP, "CrushFTP"}, {SoftwareCerberus, "Cerberus FTP Server"}, {SoftwareUnknown, "unknown server"},
		{Software("glftpd"), "glftpd"},
	}
	for _, tt := range tests {
		if got := tt.s.Name(); got != tt.want {
			t.Errorf("%q.Name() = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// TestSoftwareValuesStable: the values are in the JSON report.
func TestSoftwareValuesStable(t *testing.T) {
	want := map[Software]string{
		SoftwareVsftpd: "vsftpd", SoftwareProFTPD: "proftpd", SoftwarePureFTPd: "pure-ftpd",
		SoftwareFileZilla: "filezilla-server", SoftwareIIS: "iis", SoftwareUnknown: "unknown",
	}
	for s, v := range want {
		if string(s) != v {
			t.Errorf("Software %q changed from %q", s, v)
		}
	}
}

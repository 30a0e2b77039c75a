package ftp

import (
	"regexp"
	"slices"
	"strings"
)

// Software names an FTP server implementation, as far as it can be told
// from what the server says about itself. Fixes in reports are chosen by it.
type Software string

// Known server software.
// The string values are in the JSON report: they never change.
const (
	SoftwareVsftpd    Software = "vsftpd"
	SoftwareProFTPD   Software = "proftpd"
	SoftwarePureFTPd  Software = "pure-ftpd"
	SoftwareFileZilla Software = "filezilla-server" // 0.9.x and 1.x; Version tells them apart
	SoftwareIIS       Software = "iis"
	SoftwarePyftpdlib Software = "pyftpdlib"
	SoftwareTwisted   Software = "twisted"
	SoftwareServU     Software = "serv-u"
	SoftwareWingFTP   Software = "wing-ftp"
	SoftwareCrushFTP  Software = "crushftp"
	SoftwareCerberus  Software = "cerberus"
	SoftwareUnknown   Software = "unknown"
)

// softwareNames are the names the vendors give their servers.
var softwareNames = map[Software]string{
	SoftwareVsftpd:    "vsftpd",
	SoftwareProFTPD:   "ProFTPD",
	SoftwarePureFTPd:  "Pure-FTPd",
	SoftwareFileZilla: "FileZilla Server",
	SoftwareIIS:       "Microsoft IIS FTP",
	SoftwarePyftpdlib: "pyftpdlib",
	SoftwareTwisted:   "Twisted FTP",
	SoftwareServU:     "Serv-U",
	SoftwareWingFTP:   "Wing FTP Server",
	SoftwareCrushFTP:  "CrushFTP",
	SoftwareCerberus:  "Cerberus FTP Server",
	SoftwareUnknown:   "unknown server",
}

// Name returns the human name of the software ("ProFTPD", "FileZilla
// Server"); a value ftp does not know is returned as it is.
func (s Software) Name() string {
	if n, ok := softwareNames[s]; ok {
		return n
	}
	return string(s)
}

// ServerInfo is what DetectServer concluded and why.
type ServerInfo struct {
	Software Software `json:"software"`
	Version  string   `json:"version,omitempty"`
	Evidence string   `json:"evidence,omitempty"` // the line that identified it
}

// bannerRule recognises one implementation by a line of its banner or of
// its SYST reply. version, when set, captures the version in group 1.
type bannerRule struct {
	software Software
	match    *regexp.Regexp
}

// bannerRules are tried in order on each banner line, then on the SYST
// reply. Each pattern is the implementation's own default self-description;
// an admin can change banners, so absence proves nothing.
var bannerRules = []bannerRule{
	// "220 (vsFTPd 3.0.3)"
	{SoftwareVsftpd, regexp.MustCompile(`(?i)\bvsftpd\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.2]", "220 ProFTPD Server (ProFTPD)"
	{SoftwareProFTPD, regexp.MustCompile(`(?i)\bproftpd\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------"
	{SoftwarePureFTPd, regexp.MustCompile(`(?i)\bpure-?ftpd\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220-FileZilla Server 1.8.0", "220-FileZilla Server version 0.9.60 beta",
	// SYST "215 UNIX emulated by FileZilla"
	{SoftwareFileZilla, regexp.MustCompile(`(?i)\bfilezilla\b(?:\s+server)?(?:\s+version)?(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220 Microsoft FTP Service"
	{SoftwareIIS, regexp.MustCompile(`(?i)\bmicrosoft\s+ftp\s+service\b`)},
	// "220 pyftpdlib 1.5.7 ready." (FTPHandler.banner)
	{SoftwarePyftpdlib, regexp.MustCompile(`(?i)\bpyftpdlib\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220 Twisted 22.4.0 FTP Server" (FTPFactory.welcomeMessage)
	{SoftwareTwisted, regexp.MustCompile(`(?i)\btwisted\s+(?:v?(\d+\.\d+[\w.]*)\s+)?ftp\s+server\b`)},
	// "220 Serv-U FTP Server v15.1 ready...", "220 Serv-U FTP Server v6.4 for WinSock ready..."
	{SoftwareServU, regexp.MustCompile(`(?i)\bserv-u\s+ftp\s+server(?:\s+v(\d+\.\d+[\w.]*))?`)},
	// "220 Wing FTP Server ready... (UNREGISTERED WING FTP SERVER)"
	{SoftwareWingFTP, regexp.MustCompile(`(?i)\bwing\s+ftp\s+server\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220 CrushFTP Server Ready!", "220 Welcome to CrushFTP!"
	{SoftwareCrushFTP, regexp.MustCompile(`(?i)\bcrushftp\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
	// "220-Welcome to Cerberus FTP Server"
	{SoftwareCerberus, regexp.MustCompile(`(?i)\bcerberus\s+ftp\s+server\b(?:\s+v?(\d+\.\d+[\w.]*))?`)},
}

// systWindows matches the SYST reply of IIS, "215 Windows_NT". Other
// Windows servers (FileZilla, Serv-U) answer "UNIX ..." instead, so this is
// the IIS default; it is consulted only when the banner named nothing.
var systWindows = regexp.MustCompile(`(?i)^\s*(?:215[ -])?\s*windows_nt\b`)

// DetectServer recognises the server software from the 220 banner text, the
// SYST reply text and the FEAT lines (as from ParseFeat); any may be empty.
// The banner is trusted first, then SYST, then the FEAT fingerprints of
// vsftpd, Pure-FTPd and Twisted, which are exact enough to be confident. Otherwise
// the answer is SoftwareUnknown.
func DetectServer(banner, syst string, feat []string) ServerInfo {
	for _, text := range []string{banner, syst} {
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimRight(line, "\r")
			for _, rule := range bannerRules {
				m := rule.match.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				info := ServerInfo{Software: rule.software, Evidence: line}
				if len(m) > 1 {
					info.Version = m[1]
				}
				return info
			}
		}
	}
	for _, line := range strings.Split(syst, "\n") {
		line = strings.TrimRight(line, "\r")
		if systWindows.MatchString(line) {
			return ServerInfo{Software: SoftwareIIS, Evidence: line}
		}
	}
	if len(feat) > 0 {
		switch {
		case isVsftpdFeat(feat):
			return ServerInfo{Software: SoftwareVsftpd, Evidence: "FEAT " + strings.Join(feat, ", ")}
		case slices.ContainsFunc(feat, isPureFTPdFeature):
			return ServerInfo{Software: SoftwarePureFTPd, Evidence: "FEAT " + strings.Join(feat, ", ")}
		case slices.Equal(feat, twistedFeat):
			return ServerInfo{Software: SoftwareTwisted, Evidence: "FEAT " + strings.Join(feat, ", ")}
		}
	}
	return ServerInfo{Software: SoftwareUnknown}
}

// vsftpdFeat is every line vsftpd's FEAT can list, in the fixed order its
// handle_feat writes them (features.c). AUTH SSL/TLS, PBSZ and PROT depend
// on ssl_enable, EPRT on port_enable, EPSV and PASV on pasv_enable, ICNV on
// some distribution patches; the rest is unconditional.
var vsftpdFeat = []string{"AUTH SSL", "AUTH TLS", "EPRT", "EPSV", "MDTM", "PASV", "ICNV", "PBSZ", "PROT", "REST STREAM", "SIZE", "TVFS", "UTF8"}

// vsftpdAlways is the unconditional part of vsftpdFeat. "UTF8" is left out
// because older releases did not list it.
var vsftpdAlways = []string{"MDTM", "REST STREAM", "SIZE", "TVFS"}

// isVsftpdFeat reports whether feat is exactly a vsftpd FEAT list: an
// in-order subsequence of vsftpdFeat holding all of vsftpdAlways. No other
// common server lists TVFS without also listing MLST/MLSD or MFMT.
func isVsftpdFeat(feat []string) bool {
	j := 0
	for _, f := range feat {
		for j < len(vsftpdFeat) && vsftpdFeat[j] != f {
			j++
		}
		if j == len(vsftpdFeat) {
			return false
		}
		j++
	}
	for _, a := range vsftpdAlways {
		if !slices.Contains(feat, a) {
			return false
		}
	}
	return true
}

// twistedFeat is exactly what Twisted's FTP lists (FTP.FEATURES, 22.4.0):
// no other server lists FEAT itself and "TYPE A;I".
var twistedFeat = []string{"FEAT", "MDTM", "PASV", "SIZE", "TYPE A;I"}

// isPureFTPdFeature reports the ESTA/ESTP extensions that Pure-FTPd
// invented and lists in FEAT.
func isPureFTPdFeature(f string) bool {
	return strings.EqualFold(f, "ESTA") || strings.EqualFold(f, "ESTP")
}

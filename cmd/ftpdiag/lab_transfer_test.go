//go:build linux

package main

import (
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/lab"
	"github.com/ftpdiag/ftpdiag/probe"
)

func scenarioConfig(t *testing.T, name string) lab.Config {
	t.Helper()
	sc, err := lab.ScenarioByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Config
}

// mtu-blackhole: the listing passes, the 1 MiB download does not in the
// passive modes: exit 1. From the client no full-size segment is ever seen
// leaving the server, so the finding follows what arrived: not one byte
// (transfer-no-data, naming the black hole as the candidate to test, since
// the listing passed and the 150 announced 1 MiB), or some bytes and then
// nothing (transfer-stalled). Never a finding that blames the server.
func TestLabMTUBlackholeRetrStalls(t *testing.T) {
	l := lab.Start(t, scenarioConfig(t, "mtu-blackhole"))
	rep, code, _ := probeInLab(t, l, nil, "--modes", "EPSV,PASV", "--stall-timeout", "2s", "ftp://"+l.Target.String()+"/"+lab.BigFile)
	if code != exitFindings {
		t.Errorf("exit code %d, want 1", code)
	}
	want := "transfer-no-data"
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		mr := modeOf(t, rep, m)
		if !mr.List.Step.OK() || mr.List.Bytes == 0 {
			t.Errorf("%s LIST should pass the black hole: %+v", m, mr.List)
		}
		if mr.Retr == nil {
			t.Fatalf("%s: no RETR", m)
		}
		if o := mr.Retr.Step.Outcome; o != probe.OutcomeStalled && o != probe.OutcomeTimeout {
			t.Errorf("%s RETR = %+v, want stalled (or a first-byte timeout)", m, mr.Retr)
		}
		if mr.Retr.Bytes > 0 {
			want = "transfer-stalled"
		}
		if mr.Retr.Bytes >= lab.BigFileSize {
			t.Errorf("%s RETR read %d bytes through a black hole", m, mr.Retr.Bytes)
		}
		t.Logf("%s RETR: %s, %d bytes, largest read %d", m, mr.Retr.Step.Outcome, mr.Retr.Bytes, mr.Retr.LargestRead)
	}
	if !rep.has(want) {
		t.Errorf("findings %v, want %s", rep.ids(), want)
	}
	for _, id := range []string{"transfer-no-reply", "data-not-closed", "transfer-too-slow"} {
		if rep.has(id) {
			t.Errorf("findings %v: %s for a path-MTU black hole", rep.ids(), id)
		}
	}
	for _, f := range rep.Findings {
		if f.ID != "transfer-no-data" && f.ID != "transfer-stalled" {
			continue
		}
		text := f.Explanation
		for _, fx := range f.Fixes {
			text += strings.Join(fx.Lines, "\n") + fx.Text
		}
		if !strings.Contains(text, "path-MTU black hole") || !strings.Contains(text, "mtu 1400") {
			t.Errorf("%s does not name the path-MTU black hole and its test: %s", f.ID, text)
		}
	}
}

// The control case: the same download without the rule completes.
func TestLabBigRetrNoStall(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, code, _ := probeInLab(t, l, nil, "--modes", "EPSV,PASV", "--stall-timeout", "2s", "ftp://"+l.Target.String()+"/"+lab.BigFile)
	if code != exitOK {
		t.Errorf("exit code %d, want 0", code)
	}
	if rep.has("transfer-stalled") {
		t.Errorf("transfer-stalled without a black hole: %v", rep.ids())
	}
	for _, m := range []probe.Mode{probe.ModeEPSV, probe.ModePASV} {
		if mr := modeOf(t, rep, m); mr.Retr == nil || !mr.Retr.Step.OK() || mr.Retr.Bytes != probe.DefaultRetrBytes {
			t.Errorf("%s RETR = %+v, want %d bytes then ABOR", m, mr.Retr, probe.DefaultRetrBytes)
		}
	}
}

// --upload against the default lab (anonymous, write_enable=NO): vsftpd
// answers 550, the report says transfer-denied, nothing is deleted.
func TestLabUploadDenied(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	rep, _, _ := probeInLab(t, l, nil, "--upload", "ftp://"+l.Target.String()+"/")
	u := rep.Probe.Upload
	if u == nil || u.Store.Step.Outcome != probe.OutcomeReply || u.Store.Step.Reply == nil || u.Store.Step.Reply.Code != 550 {
		t.Fatalf("upload = %+v, want STOR answered 550", u)
	}
	if u.Delete.Ran() {
		t.Errorf("DELE sent after a refused STOR: %+v", u.Delete)
	}
	if !rep.has("transfer-denied") {
		t.Errorf("findings %v, want transfer-denied", rep.ids())
	}
}

// --upload with write_enable=YES as the lab user into upload/: stored,
// size checked, deleted; the directory is empty afterwards.
func TestLabUploadAllowed(t *testing.T) {
	l := lab.Start(t, scenarioConfig(t, "upload-writable"))
	url := "ftp://" + lab.User + "@" + l.Target.String() + "/" + lab.UploadDir + "/"
	rep, code, stderr := probeInLab(t, l, []string{"FTPDIAG_PASSWORD=" + lab.Password}, "--upload", url)
	u := rep.Probe.Upload
	if u == nil || !u.OK() || u.VerifiedSize != u.Bytes || u.Mode != probe.ModeEPSV {
		t.Fatalf("upload = %+v", u)
	}
	if !strings.HasPrefix(u.Name, lab.UploadDir+"/ftpdiag-probe-") {
		t.Errorf("uploaded as %q", u.Name)
	}
	if code != exitOK || rep.has("transfer-denied") {
		t.Errorf("exit %d findings %v", code, rep.ids())
	}
	left, err := l.UploadedFiles()
	if err != nil || len(left) != 0 {
		t.Errorf("left in %s/: %v (%v)", lab.UploadDir, left, err)
	}
	if strings.Contains(stderr, lab.Password) {
		t.Errorf("stderr shows the password")
	}
	t.Logf("stored, verified and deleted %s (%d bytes) over %s", u.Name, u.Bytes, u.Mode)
}

package probe_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

var uploadNameRE = regexp.MustCompile(`^ftpdiag-probe-\d{8}T\d{6}Z-[0-9a-f]{8}\.txt$`)

func TestUpload(t *testing.T) {
	upload := func(o *probe.Options) { o.Upload = true }
	t.Run("writable: stored, verified, deleted, on the first passive mode", func(t *testing.T) {
		srv := &ftptest.Server{Files: files(), Writable: true}
		res, _ := runAgainst(t, srv, "", upload)
		u := res.Upload
		if u == nil || !u.OK() || u.Mode != probe.ModeEPSV || u.VerifiedSize != u.Bytes {
			t.Fatalf("upload = %+v", u)
		}
		if !uploadNameRE.MatchString(u.Name) {
			t.Errorf("name %q does not say ftpdiag and the time", u.Name)
		}
		stored, deleted := srv.StoredAndDeleted()
		if len(stored) != 1 || stored[0] != u.Name || len(deleted) != 1 || deleted[0] != u.Name {
			t.Errorf("stored %v deleted %v, want only %s", stored, deleted, u.Name)
		}
		if d := report.Diagnose(res, nil); d.ExitCode() != 0 {
			t.Errorf("findings for a working upload: %+v", d.Findings)
		}
	})
	t.Run("refused write: transfer-denied, nothing deleted", func(t *testing.T) {
		srv := &ftptest.Server{Files: files()}
		res, _ := runAgainst(t, srv, "", upload)
		u := res.Upload
		if u == nil || u.Store.Step.Outcome != probe.OutcomeReply || u.Store.Step.Reply.Code != 550 || u.Delete.Ran() {
			t.Fatalf("upload = %+v", u)
		}
		for _, ex := range u.Transcript {
			if strings.HasPrefix(ex.Command, "DELE") {
				t.Errorf("sent %q for a file the probe did not store", ex.Command)
			}
		}
		d := report.Diagnose(res, nil)
		found := false
		for _, f := range d.Findings {
			found = found || f.ID == "transfer-denied"
		}
		if !found {
			t.Errorf("no transfer-denied finding: %+v", d.Findings)
		}
	})
	t.Run("the name exists already: never overwritten", func(t *testing.T) {
		srv := &ftptest.Server{Files: files(), Writable: true, Replies: map[string]string{"SIZE": "213 42"}}
		res, _ := runAgainst(t, srv, "", upload)
		if u := res.Upload; u == nil || u.Free.OK() || u.Store.Step.Ran() {
			t.Fatalf("upload = %+v", u)
		}
		if stored, deleted := srv.StoredAndDeleted(); len(stored)+len(deleted) != 0 {
			t.Errorf("stored %v deleted %v", stored, deleted)
		}
	})
	t.Run("no SIZE: LIST checks the name and the size", func(t *testing.T) {
		srv := &ftptest.Server{Files: files(), Writable: true, Replies: map[string]string{"SIZE": "502 SIZE not implemented."}}
		res, _ := runAgainst(t, srv, "", upload)
		if u := res.Upload; u == nil || !u.OK() || u.VerifiedSize != u.Bytes {
			t.Fatalf("upload = %+v", u)
		}
	})
	t.Run("off by default", func(t *testing.T) {
		srv := &ftptest.Server{Files: files(), Writable: true}
		res, _ := runAgainst(t, srv, "", nil)
		if res.Upload != nil {
			t.Errorf("upload ran without Options.Upload")
		}
		if stored, _ := srv.StoredAndDeleted(); len(stored) != 0 {
			t.Errorf("stored %v", stored)
		}
	})
}

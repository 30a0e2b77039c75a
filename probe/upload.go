package probe

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ftpdiag/ftpdiag/ftp"
)

// uploadContent is what --upload stores: small (one segment), plain text
// that says what it is, in case a DELE fails and someone finds it.
const uploadContent = "This file was written by ftpdiag --upload to test uploads; it is deleted at once.\n"

// Upload is the --upload test: on one working data mode (the first working
// passive mode, else active), store a uniquely named small file, check its
// size, delete it. The probe never overwrites and never deletes anything it
// did not create: the name is checked to be free first, and DELE is sent
// only for the name it stored.
type Upload struct {
	// Mode is the data mode used ("" when none worked: Skipped says why).
	Mode    Mode   `json:"mode,omitempty"`
	Skipped string `json:"skipped,omitempty"`
	// Name is the path stored, e.g. "upload/ftpdiag-probe-20261125T173000Z-3f2a9c.txt".
	Name  string `json:"name,omitempty"`
	Bytes int64  `json:"bytes"` // size of the content sent
	// Login is the upload's own control session (connect, banner, login).
	Login Step `json:"login"`
	// Free is the check that Name does not exist (SIZE answered 550, or a
	// LIST showed nothing).
	Free  Step     `json:"free"`
	Data  DataConn `json:"data"`
	Store Transfer `json:"store"`
	// Verify is SIZE (or LIST) after the store; VerifiedSize what it said.
	Verify       Step  `json:"verify"`
	VerifiedSize int64 `json:"verified_size"`
	// Delete is DELE of Name; skipped when nothing was stored.
	Delete     Step       `json:"delete"`
	Transcript []Exchange `json:"transcript"`
}

// OK reports whether the file was stored with the right size and deleted.
func (u *Upload) OK() bool {
	return u != nil && u.Store.Step.OK() && u.Verify.OK() && u.Delete.OK()
}

// uploadName is a name nobody else uses: it says ftpdiag and the time.
func uploadName(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return "ftpdiag-probe-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]) + ".txt"
}

// uploadMode picks the first working passive mode, else the first working
// active one.
func (r *runner) uploadMode() (Mode, bool) {
	for _, passive := range []bool{true, false} {
		for _, m := range r.res.Modes {
			if m.Works && m.Mode.Passive() == passive {
				return m.Mode, true
			}
		}
	}
	return "", false
}

// upload runs the --upload test on its own control connection, after the
// modes are probed.
func (r *runner) upload() {
	up := &Upload{Bytes: int64(len(uploadContent))}
	r.res.Upload = up
	mode, ok := r.uploadMode()
	if !ok {
		up.Skipped = "no data mode worked"
		return
	}
	up.Mode = mode
	scratch := &ModeResult{Mode: mode, Applicable: true}
	defer func() { up.Transcript = scratch.Transcript }()
	s := r.connect(scratch)
	if s == nil {
		up.Login = scratch.Connect
		return
	}
	defer s.close()
	defer s.quit()
	if !r.implicitTLS(s, scratch) || !r.greetAndLogin(s, scratch) {
		up.Login = scratch.Login
		if !scratch.Banner.OK() {
			up.Login = scratch.Banner
		}
		return
	}
	up.Login = scratch.Login
	r.protect(s, scratch)
	s.command("TYPE", "I")
	dir, _ := splitTargetPath(r.target.Path)
	up.Name = uploadName(r.clock.now())
	if dir != "" {
		up.Name = dir + "/" + up.Name
	}
	free, size := r.remoteSize(s, mode, up.Name)
	up.Free = free
	if !free.OK() {
		return
	}
	if size >= 0 {
		// Someone else's file: never overwrite it.
		up.Free.Outcome = OutcomeProtocol
		up.Free.Error = fmt.Sprintf("%s already exists (%d bytes); not overwritten", up.Name, size)
		return
	}
	ch := s.openData(mode, &up.Data)
	if ch == nil {
		up.Store = Transfer{Command: "STOR " + up.Name, Step: skipped("no data connection")}
		return
	}
	var accepted bool
	up.Store, accepted = s.store(ch, &up.Data, up.Name, []byte(uploadContent))
	if !accepted {
		up.Verify, up.Delete = skipped("nothing stored"), skipped("nothing stored")
		return
	}
	verify, got := r.remoteSize(s, mode, up.Name)
	up.Verify, up.VerifiedSize = verify, got
	if verify.OK() && got != up.Bytes {
		up.Verify.Outcome = OutcomeProtocol
		up.Verify.Error = fmt.Sprintf("stored %d bytes, the server reports %d", up.Bytes, got)
	}
	// The name was free and we stored it: the file is ours to delete.
	_, up.Delete = s.command("DELE", up.Name)
}

// remoteSize asks the size of name: SIZE, or LIST when the server does not
// know SIZE. The step is ok when the answer is clear; size is -1 when the
// file does not exist.
func (r *runner) remoteSize(s *session, mode Mode, name string) (Step, int64) {
	rep, st := s.command("SIZE", name)
	if st.OK() {
		n, err := strconv.ParseInt(strings.TrimSpace(rep.Message()), 10, 64)
		if err != nil {
			st.Outcome, st.Error = OutcomeProtocol, fmt.Sprintf("cannot parse SIZE reply %q", rep.Message())
			return st, -1
		}
		return st, n
	}
	if meaningOf(st) == ftp.MeaningFileRefused {
		st.Outcome = OutcomeOK // "no such file": the name is free
		return st, -1
	}
	// SIZE refused otherwise (not implemented: 500, 502, 504): LIST tells.
	if st.Outcome != OutcomeReply || st.Meaning.Step != ftp.StepPermanent {
		return st, -1
	}
	// No SIZE: list the name itself on a data connection.
	dc := &DataConn{}
	ch := s.openData(mode, dc)
	if ch == nil {
		return dc.Setup, -1
	}
	tr, listing := s.transfer(ch, dc, "LIST", name, maxListKeep, maxListKeep)
	if meaningOf(tr.Step) == ftp.MeaningFileRefused {
		tr.Step.Outcome = OutcomeOK
		return tr.Step, -1
	}
	if !tr.Step.OK() {
		return tr.Step, -1
	}
	base := name[strings.LastIndexByte(name, '/')+1:]
	for _, line := range strings.Split(string(listing), "\n") {
		if e, ok := ftp.ParseListLine(strings.TrimRight(line, "\r")); ok && (e.Name == base || e.Name == name) {
			return tr.Step, e.Size
		}
	}
	return tr.Step, -1
}

// meaningOf is the meaning of a step's reply (none when it had no reply).
func meaningOf(st Step) ftp.Meaning {
	if st.Meaning == nil {
		return ftp.MeaningNone
	}
	return st.Meaning.Meaning
}

// store runs STOR on an open data channel and writes content. accepted is
// true once the server answered 1xx: from then on a file of ours may exist.
func (s *session) store(ch *dataChannel, dc *DataConn, name string, content []byte) (tr Transfer, accepted bool) {
	tr = Transfer{Command: "STOR " + name}
	defer ch.close()
	st := s.clock.begin()
	rep, ok := s.startData(ch, dc, &tr, "STOR", name, st)
	// From a 1xx on a file of ours may exist; a 2xx without 1xx may have
	// stored something too.
	in := ftp.Interpret("STOR", rep, false)
	accepted = in.Step == ftp.StepPreliminary || in.Step == ftp.StepSuccess
	if !ok {
		return tr, accepted
	}
	ch.conn.SetWriteDeadline(s.clock.deadline(s.opts.DataTimeout))
	n, werr := ch.conn.Write(content)
	tr.Bytes = int64(n)
	ch.conn.Close()
	if werr != nil {
		tr.Step = s.clock.fail(st, fmt.Errorf("write data to %s: %w", dc.Peer, werr))
		s.abort()
		return tr, accepted
	}
	s.finalReply(&tr, "STOR", st)
	return tr, accepted
}

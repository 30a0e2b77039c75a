package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftpdiag/ftpdiag/internal/capgen"
)

// settledFacts is one session's facts with its connections', as JSON.
func settledFacts(t *testing.T, s *FTPSession) string {
	t.Helper()
	b, err := json.Marshal(struct {
		S     *FTPSession
		Conns []*Conn
	}{s, s.SessionConns()})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSettledSameAsWhole: reading a capture of a thousand sessions with
// the sessions handed on as they settle gives, session for session, the
// facts reading it whole gives (the same numbers, dialogues, links and
// connections), the same counts of the whole capture, and holds far fewer
// at the end; the sessions come in order, each after settleQuiet.
func TestSettledSameAsWhole(t *testing.T) {
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 7, Bytes: 8 << 20, Sessions: 1000}); err != nil {
		t.Fatal(err)
	}
	// The capture lasts 70 s: with 11 s of quiet, about a third of the
	// sessions are handed on before its end.
	for _, tc := range []struct {
		quiet float64
		share int // at least this percentage of the sessions handed on
	}{{2, 90}, {11, 50}} {
		quiet := tc.quiet
		t.Run(fmt.Sprint(quiet), func(t *testing.T) {
			defer func(q float64, e int) { settleQuiet, settleEvery = q, e }(settleQuiet, settleEvery)
			settleQuiet, settleEvery = quiet, 1<<10
			read := func(settled func(Settled)) *Evidence {
				ev, err := ReadTraces([]Trace{{Name: "capgen", R: bytes.NewReader(gen.Bytes())}}, ReadOptions{Settled: settled})
				if err != nil {
					t.Fatal(err)
				}
				return ev
			}
			whole := read(nil)
			var handed []*FTPSession
			var calls int
			last := -1.0
			ev := read(func(st Settled) {
				calls++
				for _, s := range st.Sessions {
					if s.Control.FirstT() < last || s.Control.FirstT() > st.Horizon {
						t.Errorf("session %d (start %.3f) handed on out of order (after %.3f, horizon %.3f)", s.ID, s.Control.FirstT(), last, st.Horizon)
					}
					last = s.Control.FirstT()
					if end := lastT(s.Control); st.Now-end <= settleQuiet {
						t.Errorf("session %d handed on %.1f s after its end, want > %.0f", s.ID, st.Now-end, settleQuiet)
					}
					handed = append(handed, s)
				}
			})
			all := append(handed, ev.Sessions...)
			if 100*len(handed) < tc.share*len(whole.Sessions) {
				t.Fatalf("%d sessions handed on in %d calls, %d left at the end: want %d%% of the %d handed on", len(handed), calls, len(ev.Sessions), tc.share, len(whole.Sessions))
			}
			if len(all) != len(whole.Sessions) {
				t.Fatalf("%d sessions, want %d", len(all), len(whole.Sessions))
			}
			for i, s := range all {
				if got, want := settledFacts(t, s), settledFacts(t, whole.Sessions[i]); got != want {
					t.Fatalf("session %d differs:\n got %s\nwant %s", i+1, got, want)
				}
			}
			wa, wc := whole.SlicedSegments()
			ga, gc := ev.SlicedSegments()
			if ev.ConnCount() != whole.ConnCount() || ev.Packets != whole.Packets || ga != wa || gc != wc ||
				ev.OffControl() != whole.OffControl() || ev.NotFTPCount != whole.NotFTPCount {
				t.Errorf("whole-capture facts: conns %d packets %d sliced %d/%d off-control %v not-FTP %d; want %d %d %d/%d %v %d",
					ev.ConnCount(), ev.Packets, ga, gc, ev.OffControl(), ev.NotFTPCount,
					whole.ConnCount(), whole.Packets, wa, wc, whole.OffControl(), whole.NotFTPCount)
			}
			if len(ev.Conns) > len(whole.Conns)-len(handed) {
				t.Errorf("%d connections held at the end, want those of the sessions handed on let go of (%d held whole)", len(ev.Conns), len(whole.Conns))
			}
		})
	}
}

// TestSettledSameAsWholeOnClients: on every capture of third-party
// clients and of TLS sessions in testdata, sessions handed on after two
// seconds of quiet have the facts of a read where nothing settles, and
// the whole capture's counts are the same.
func TestSettledSameAsWholeOnClients(t *testing.T) {
	defer func(q float64, e int) { settleQuiet, settleEvery = q, e }(settleQuiet, settleEvery)
	settleQuiet, settleEvery = 2, 1
	files := testdataCaptures(t, "clients", "tls", "captures")
	handedAny := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		read := func(settled func(Settled)) *Evidence {
			ev, _ := ReadTraces([]Trace{{Name: f, R: bytes.NewReader(data)}}, ReadOptions{Settled: settled})
			return ev
		}
		// Read whole as before settling existed (nothing settles), the
		// facts are the same: settling changes when the tracker lets go,
		// not what it reads.
		settleQuiet = math.Inf(1)
		whole := read(nil)
		settleQuiet = 2
		if whole == nil {
			continue
		}
		var handed []*FTPSession
		ev := read(func(st Settled) { handed = append(handed, st.Sessions...) })
		if len(handed) > 0 {
			handedAny++
		}
		all := append(handed, ev.Sessions...)
		if len(all) != len(whole.Sessions) {
			t.Errorf("%s: %d sessions (%d handed on), want %d", f, len(all), len(handed), len(whole.Sessions))
			continue
		}
		for i, s := range all {
			if got, want := settledFacts(t, s), settledFacts(t, whole.Sessions[i]); got != want {
				t.Errorf("%s: session %d differs:\n got %s\nwant %s", f, i+1, got, want)
			}
		}
		if ev.ConnCount() != whole.ConnCount() || ev.OffControl() != whole.OffControl() || ev.NotFTPCount != whole.NotFTPCount {
			t.Errorf("%s: conns %d off-control %v not-FTP %d; want %d %v %d", f, ev.ConnCount(), ev.OffControl(), ev.NotFTPCount, whole.ConnCount(), whole.OffControl(), whole.NotFTPCount)
		}
	}
	if handedAny == 0 {
		t.Errorf("no session of %d captures was handed on before the end", len(files))
	}
	t.Logf("%d of %d captures had sessions handed on before their end", handedAny, len(files))
}

// TestSettledConnCap: the cap on connections counts those held and not
// settled, whether the capture is read whole or its sessions handed on:
// both read the same sessions (before, only the whole read filled its
// list and dropped the connections past the cap).
func TestSettledConnCap(t *testing.T) {
	defer func(q float64, e int) { settleQuiet, settleEvery = q, e }(settleQuiet, settleEvery)
	settleQuiet, settleEvery = 2, 1<<10
	var gen bytes.Buffer
	if _, err := capgen.Write(&gen, capgen.Options{Seed: 7, Bytes: 8 << 20, Sessions: 1000}); err != nil {
		t.Fatal(err)
	}
	read := func(settled func(Settled)) *Evidence {
		ev, err := readTraces([]Trace{{Name: "capgen", R: bytes.NewReader(gen.Bytes())}}, TrackerConfig{FTPSessions: true, MaxConns: 300, Settled: settled})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	whole := read(nil)
	var handed []*FTPSession
	ev := read(func(st Settled) { handed = append(handed, st.Sessions...) })
	all := append(handed, ev.Sessions...)
	if len(all) != len(whole.Sessions) || ev.UntrackedPackets != whole.UntrackedPackets || whole.UntrackedPackets == 0 {
		t.Errorf("handed on: %d sessions, %d untracked packets; whole: %d, %d; want the same, past the cap",
			len(all), ev.UntrackedPackets, len(whole.Sessions), whole.UntrackedPackets)
	}
	for i, s := range all {
		if i < len(whole.Sessions) && settledFacts(t, s) != settledFacts(t, whole.Sessions[i]) {
			t.Fatalf("session %d differs", i+1)
		}
	}
}

// testdataCaptures lists the captures of the given testdata directories,
// failing unless they hold the clients' 500 and more.
func testdataCaptures(t *testing.T, dirs ...string) []string {
	t.Helper()
	var files []string
	for _, dir := range dirs {
		fs, err := filepath.Glob(filepath.Join("..", "testdata", dir, "*.pcap*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	if len(files) < 500 {
		t.Fatalf("%d captures in testdata, want the clients' 500 and more", len(files))
	}
	return files
}

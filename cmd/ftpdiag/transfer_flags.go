package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/ftpdiag/ftpdiag/probe"
)

// transferFlags are the probe flags for stalls, the upload test and the
// verbose transcript.
type transferFlags struct {
	stallTimeout time.Duration
	upload       bool
	verbose      bool
}

func (t *transferFlags) register(fl *pflag.FlagSet) {
	durationVar(fl, &t.stallTimeout, "stall-timeout", probe.DefaultStallTimeout, "a transfer that started and then makes no progress for this long is stalled")
	fl.BoolVar(&t.upload, "upload", false, "also test an upload: store a small uniquely named file, check its size, delete it")
	fl.BoolVarP(&t.verbose, "verbose", "v", false, "print each control connection's dialogue to standard error (PASS shown as ****)")
}

func (t *transferFlags) apply(o *probe.Options) error {
	if t.stallTimeout <= 0 {
		return usageError("--stall-timeout must be positive, got %s", t.stallTimeout)
	}
	o.StallTimeout = t.stallTimeout
	o.Upload = t.upload
	return nil
}

// printTranscripts writes the control dialogues when --verbose. The
// transcript already shows PASS as "PASS ****"; lines are written as
// received, one per line, prefixed by the mode.
func (t *transferFlags) printTranscripts(w io.Writer, res *probe.Result) {
	if !t.verbose || res == nil {
		return
	}
	for _, m := range res.Modes {
		printTranscript(w, string(m.Mode), m.Transcript)
	}
	if u := res.Upload; u != nil && len(u.Transcript) > 0 {
		printTranscript(w, "upload", u.Transcript)
	}
}

func printTranscript(w io.Writer, name string, tr []probe.Exchange) {
	for _, ex := range tr {
		if ex.Command != "" {
			fmt.Fprintf(w, "%s %7.3f > %s\n", name, ex.T, termSafe(redactCommand(ex.Command)))
		}
		if ex.Reply != nil {
			for _, l := range ex.Reply.Lines {
				fmt.Fprintf(w, "%s %7.3f < %s\n", name, ex.T, termSafe(l))
			}
		}
	}
}

// redactCommand is a second guard: the probe records PASS redacted, and a
// PASS line that somehow is not is redacted here.
func redactCommand(c string) string {
	if len(c) >= 4 && strings.EqualFold(c[:4], "PASS") {
		return "PASS ****"
	}
	return c
}

// termSafe makes server-controlled text one safe terminal line: line
// breaks become spaces and every other control or format character (ESC
// starting a terminal escape sequence, bidirectional overrides) becomes
// '?', so a hostile server cannot drive the terminal -v writes to.
func termSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			return '?'
		}
		return r
	}, s)
}

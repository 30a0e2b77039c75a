package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

// progressInterval is how often the status line is redrawn: fast enough to
// show time moving, slow enough not to flicker.
const progressInterval = 200 * time.Millisecond

// progress draws one status line on a terminal's stderr while the probe
// runs ("EPSV: LIST  PASV: connect ...  1.4s"); it is silent when stderr is
// not a terminal, so logs and pipes get only the report.
type progress struct {
	w      io.Writer
	start  time.Time
	mu     sync.Mutex
	stages map[probe.Mode]string
	order  []probe.Mode
	stop   chan struct{}
	done   chan struct{}
}

func newProgress(w io.Writer, modes []probe.Mode) *progress {
	p := &progress{w: w, start: time.Now(), stages: map[probe.Mode]string{}, order: modes,
		stop: make(chan struct{}), done: make(chan struct{})}
	for _, m := range modes {
		p.stages[m] = "waiting"
	}
	go p.loop()
	return p
}

// update is the probe's OnProgress hook; it never blocks on the terminal.
func (p *progress) update(m probe.Mode, stage string) {
	p.mu.Lock()
	p.stages[m] = stage
	p.mu.Unlock()
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprint(p.w, "\r\033[K")
			return
		case <-t.C:
			fmt.Fprintf(p.w, "\r\033[K%s", p.line())
		}
	}
}

func (p *progress) line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := make([]string, 0, len(p.order)+1)
	for _, m := range p.order {
		parts = append(parts, fmt.Sprintf("%s: %s", m, p.stages[m]))
	}
	parts = append(parts, fmt.Sprintf("%.1fs", time.Since(p.start).Seconds()))
	return "probing  " + strings.Join(parts, "  ")
}

// finish clears the status line.
func (p *progress) finish() {
	close(p.stop)
	<-p.done
}

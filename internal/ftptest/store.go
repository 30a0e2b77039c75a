package ftptest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// maxStore bounds what STOR accepts, so a test cannot fill memory.
const maxStore = 1 << 20

// file returns a served file under the files lock.
func (k *conn) file(name string) ([]byte, bool) {
	rt := k.srv.rt
	rt.filesMu.Lock()
	defer rt.filesMu.Unlock()
	data, ok := k.srv.Files[strings.TrimPrefix(name, "/")]
	return data, ok
}

// names lists the served files, sorted, under the files lock.
func (k *conn) names() map[string]int {
	rt := k.srv.rt
	rt.filesMu.Lock()
	defer rt.filesMu.Unlock()
	out := make(map[string]int, len(k.srv.Files))
	for n, d := range k.srv.Files {
		out[n] = len(d)
	}
	return out
}

func sortedNames(m map[string]int) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// size answers SIZE.
func (k *conn) size(name string) {
	if data, ok := k.file(name); ok {
		k.reply(fmt.Sprintf("213 %d", len(data)))
		return
	}
	k.reply("550 Could not get file size.")
}

// store answers STOR: refused unless Writable; never more than maxStore.
func (k *conn) store(name string) {
	if !k.srv.Writable {
		k.reply("550 Permission denied.")
		return
	}
	dc, ok := k.openData("150 Ok to send data.")
	if !ok {
		return
	}
	defer dc.Close()
	dc.SetReadDeadline(time.Now().Add(10 * time.Second))
	data, err := io.ReadAll(io.LimitReader(dc, maxStore))
	if err != nil {
		k.reply("426 Failure reading network stream.")
		return
	}
	rt := k.srv.rt
	rt.filesMu.Lock()
	if k.srv.Files == nil {
		k.srv.Files = map[string][]byte{}
	}
	k.srv.Files[strings.TrimPrefix(name, "/")] = data
	k.srv.Stored = append(k.srv.Stored, strings.TrimPrefix(name, "/"))
	rt.filesMu.Unlock()
	k.reply("226 Transfer complete.")
}

// dele answers DELE.
func (k *conn) dele(name string) {
	if !k.srv.Writable {
		k.reply("550 Permission denied.")
		return
	}
	rt := k.srv.rt
	rt.filesMu.Lock()
	_, ok := k.srv.Files[strings.TrimPrefix(name, "/")]
	if ok {
		delete(k.srv.Files, strings.TrimPrefix(name, "/"))
		k.srv.Deleted = append(k.srv.Deleted, strings.TrimPrefix(name, "/"))
	}
	rt.filesMu.Unlock()
	if !ok {
		k.reply("550 Delete operation failed.")
		return
	}
	k.reply("250 Delete operation successful.")
}

// StoredAndDeleted returns the names stored and deleted so far.
func (s *Server) StoredAndDeleted() (stored, deleted []string) {
	s.rt.filesMu.Lock()
	defer s.rt.filesMu.Unlock()
	return append([]string(nil), s.Stored...), append([]string(nil), s.Deleted...)
}

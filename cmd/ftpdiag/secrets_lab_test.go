//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/lab"
)

// TestSecretsLab: the lab's real vsftpd, the lab user's password, every
// format, -v and the saved pcapng (raw bytes: the capture redacts PASS).
func TestSecretsLab(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	dir := t.TempDir()
	arts := secretArtifacts{}
	url := "ftp://" + lab.User + "@" + l.Target.String() + "/"
	for _, format := range reportFormats {
		pcap := filepath.Join(dir, format+".pcapng")
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		cmd := l.Command(ctx, l.ClientNS, binaryPath, "probe", "-v", "--data-timeout", "2s", "--format", format, "--pcap", pcap, url)
		cmd.Env = append(os.Environ(), "FTPDIAG_PASSWORD="+lab.Password)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Errorf("%s: %v\n%s", format, err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "> PASS ****") {
			t.Errorf("%s: -v does not show PASS ****", format)
		}
		arts[format+" stdout"] = stdout.Bytes()
		arts[format+" stderr (-v transcript)"] = stderr.Bytes()
		arts.addFile(t, format+" pcapng", pcap)
	}
	assertNoSecret(t, lab.Password, arts)
}

package probe_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ftpdiag/ftpdiag/internal/ftptest"
	"github.com/ftpdiag/ftpdiag/probe"
)

const echoedPassword = "Echo-Me-S3cret-4471"

// TestEchoedPasswordMasked: a server that quotes the password back (in a
// 530, a 500, under TLS) must not get it into the result: replies, steps,
// transcripts are masked before Run returns, so no renderer sees it.
func TestEchoedPasswordMasked(t *testing.T) {
	cert := ftptest.NewTestCert(t)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cert.CAPEM)
	for _, tc := range []struct {
		name string
		echo string
		tls  bool
	}{
		{"530 quoting the password", "530 Login incorrect: password %s not accepted.", false},
		{"500 quoting the command", "500 'PASS %s': command not understood.", false},
		{"multi-line 530", "530-You sent %s\r\n530 Login incorrect.", false},
		{"530 under TLS", "530 Login incorrect: password %s not accepted.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &ftptest.Server{User: "alice", Password: echoedPassword, EchoPass: tc.echo}
			opts := probe.Options{ConnectTimeout: 2 * time.Second, DataTimeout: time.Second, ReplyTimeout: 2 * time.Second}
			scheme := "ftp"
			if tc.tls {
				srv.TLS = cert.Config
				scheme = "ftpes"
				opts.TLS = probe.TLSOptions{RootCAs: roots, RootsName: "test CA"}
			}
			ap := ftptest.Start(t, srv)
			tg, _, err := probe.ParseTarget(scheme + "://alice:" + echoedPassword + "@" + ap.String() + "/")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := probe.Run(ctx, tg, opts)
			if err != nil {
				t.Fatal(err)
			}
			lead := res.Modes[0]
			if lead.Login.Reply == nil || !strings.Contains(lead.Login.Reply.Text(), probe.Masked) {
				t.Errorf("login reply %+v: want the server's echo with the password masked", lead.Login.Reply)
			}
			if tc.tls && (lead.TLS == nil || !lead.TLS.Handshake.OK()) {
				t.Errorf("TLS = %+v, want the login under TLS", lead.TLS)
			}
			b, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), echoedPassword) {
				t.Errorf("the result holds the echoed password: %s", b)
			}
			if res.Target.Password != echoedPassword {
				t.Error("the target's password itself was masked (the upload and retries need it)")
			}
		})
	}
}

// TestMaskSecret: plain strings are masked through pointers, slices and
// nested structs; vocabulary (named string types) is left alone.
func TestMaskSecret(t *testing.T) {
	type inner struct {
		Text    string
		Outcome probe.Outcome
		Lines   []string
	}
	v := struct {
		A    string
		P    *inner
		List []inner
		priv string
	}{
		A:    "x hunter2 y hunter2",
		P:    &inner{Text: "hunter2", Outcome: "hunter2", Lines: []string{"530 hunter2"}},
		List: []inner{{Text: "ahunter2b"}},
		priv: "hunter2",
	}
	probe.MaskSecret(&v, "hunter2")
	if v.A != "x **** y ****" || v.P.Text != "****" || v.P.Lines[0] != "530 ****" || v.List[0].Text != "a****b" {
		t.Errorf("not masked: %+v %+v %+v", v, *v.P, v.List)
	}
	if v.P.Outcome != "hunter2" || v.priv != "hunter2" {
		t.Errorf("masked what is not text: %+v %q", v.P.Outcome, v.priv)
	}
}

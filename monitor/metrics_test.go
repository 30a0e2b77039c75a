package monitor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ftpdiag/ftpdiag/probe"
)

func TestMetricsGolden(t *testing.T) {
	for _, name := range reportCases {
		t.Run(name, func(t *testing.T) {
			o := loadOutcome(t, name)
			var b bytes.Buffer
			if err := writeText(&b, o.Registry()); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".prom", b.Bytes())
		})
	}
}

// The values the alert rules in docs/monitoring.md rest on, read from
// each scenario's own metrics.
func TestMetricsValues(t *testing.T) {
	cases := []struct {
		name      string
		success   float64
		pasvWorks float64
		finding   string
		matches   string // probe_ftp_pasv_address_matches_control, "" absent
	}{
		{"healthy", 1, 1, "", "1"},
		{"passive-filtered", 0, 0, "passive-port-filtered", "1"},
		{"nat-private", 1, 1, "pasv-private-address", "0"}, // a warning: the probe dialled the control address and it worked
		{"login-failed", 0, -1, "login-failed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := loadOutcome(t, c.name)
			reg := o.Registry()
			text := metricsText(t, o)
			if got := gauge(t, text, "probe_success"); got != c.success {
				t.Errorf("probe_success = %v, want %v", got, c.success)
			}
			line := `probe_ftp_data_mode_success{mode="PASV"}`
			if c.pasvWorks >= 0 {
				if got := gauge(t, text, line); got != c.pasvWorks {
					t.Errorf("%s = %v, want %v", line, got, c.pasvWorks)
				}
			}
			if c.finding != "" && !strings.Contains(text, `probe_ftp_finding{id="`+c.finding+`"`) {
				t.Errorf("no probe_ftp_finding for %s:\n%s", c.finding, text)
			}
			n, err := testutil.GatherAndCount(reg, "probe_ftp_pasv_address_matches_control")
			if err != nil {
				t.Fatal(err)
			}
			if (n == 1) != (c.matches != "") {
				t.Errorf("pasv_address_matches_control present = %v, want %q", n == 1, c.matches)
			}
			if c.matches != "" && !strings.Contains(text, "probe_ftp_pasv_address_matches_control "+c.matches+"\n") {
				t.Errorf("pasv_address_matches_control != %s:\n%s", c.matches, text)
			}
			if err := testutil.GatherAndCompare(reg, strings.NewReader(""), "no_such_metric"); err != nil {
				t.Errorf("registry does not gather cleanly: %v", err)
			}
		})
	}
}

func TestMetricsTLSAndFailure(t *testing.T) {
	o := loadOutcome(t, "healthy")
	res := *o.Result
	res.Modes = append([]probe.ModeResult(nil), res.Modes...)
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	res.TLS = &probe.TLSResult{Certificate: &probe.Certificate{NotAfter: notAfter}}
	res.Modes[0].ListData.TLS = &probe.DataTLS{Handshake: probe.Step{Outcome: probe.OutcomeOK}, Resumed: true}
	res.Modes[1].ListData.TLS = &probe.DataTLS{Handshake: probe.Step{Outcome: probe.OutcomeTLSResumption}}
	o.Result = &res
	text := metricsText(t, o)
	for _, want := range []string{
		"probe_ssl_earliest_cert_expiry 1.798859045e+09\n",
		`probe_ftp_data_tls_resumed{mode="EPSV"} 1` + "\n",
		`probe_ftp_data_tls_resumed{mode="PASV"} 0` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	failed := metricsText(t, Outcome{Failed: "no probe slot", Seconds: 2})
	if gauge(t, failed, "probe_success") != 0 || strings.Contains(failed, "probe_ftp_") {
		t.Errorf("a probe that did not run exports:\n%s", failed)
	}
}

func TestReplyCodesWorstPerVerb(t *testing.T) {
	o := loadOutcome(t, "passive-filtered")
	codes := replyCodes(o.Result)
	if codes["greeting"] != 220 || codes["PASS"] != 230 {
		t.Errorf("codes %v", codes)
	}
	for v := range codes {
		if !knownVerb(v) {
			t.Errorf("label %q escaped the closed set", v)
		}
	}
	for _, bad := range []string{"pass", "X", "LISTS", "A1B", "HELLO"} {
		if knownVerb(bad) {
			t.Errorf("knownVerb(%q)", bad)
		}
	}
}

func metricsText(t *testing.T, o Outcome) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeText(&b, o.Registry()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// gauge reads one sample's value from the text format.
func gauge(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			if _, err := fmtSscan(rest, &v); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v
		}
	}
	t.Fatalf("no sample %s in:\n%s", series, text)
	return 0
}

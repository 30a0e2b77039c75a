package report

import (
	"time"

	"github.com/ftpdiag/ftpdiag/probe"
)

// The report's own record of a probe run (the "probe" member of the JSON
// report, docs/json-schema.md), so that a change inside package probe is
// not a change of the schema. Outcomes and modes keep the closed
// vocabularies probe.Outcomes and the data modes define (Validate checks
// them). Converted from probe.Result in schema_convert.go only.

// ProbeRecord is what one probe run did and was told; for `ftpdiag
// analyze`, the run rebuilt from the captured dialogue.
type ProbeRecord struct {
	Target      TargetRecord       `json:"target"`
	StartedAt   time.Time          `json:"started_at"`
	Duration    float64            `json:"duration"`
	Resolve     StepRecord         `json:"resolve"`
	Addresses   []string           `json:"addresses,omitempty"`
	Server      ServerRecord       `json:"server"`
	Options     OptionsRecord      `json:"options"`
	Modes       []ModeRecord       `json:"modes"`
	RetrFile    string             `json:"retr_file,omitempty"`
	Notes       []string           `json:"notes,omitempty"`
	Upload      *UploadRecord      `json:"upload,omitempty"`
	TLS         *TLSRecord         `json:"tls,omitempty"`
	Pacing      *PacingRecord      `json:"pacing,omitempty"`
	Interrupted *InterruptedRecord `json:"interrupted,omitempty"`
	Plain       []ModeRecord       `json:"plain,omitempty"`
}

// TargetRecord is what the probe was pointed at (never a password).
type TargetRecord struct {
	URL            string `json:"url"`
	Scheme         string `json:"scheme"`
	Host           string `json:"host"`
	Port           int    `json:"port"`
	User           string `json:"user"`
	Path           string `json:"path,omitempty"`
	PasswordSource string `json:"password_source"`
}

// ServerRecord is what the probe learnt about the server software.
type ServerRecord struct {
	Banner string           `json:"banner,omitempty"`
	Syst   string           `json:"syst,omitempty"`
	Feat   []string         `json:"feat,omitempty"`
	Info   ServerInfoRecord `json:"info"`
}

// OptionsRecord echoes the options that shaped the run.
type OptionsRecord struct {
	ConnectTimeout   float64 `json:"connect_timeout"`
	DataTimeout      float64 `json:"data_timeout"`
	TrustPasvAddress bool    `json:"trust_pasv_address"`
	ActivePortRange  string  `json:"active_port_range,omitempty"`
	RetrBytes        int64   `json:"retr_bytes"`
	StallTimeout     float64 `json:"stall_timeout,omitempty"`
	Upload           bool    `json:"upload,omitempty"`
}

// StepRecord is one timed step with its classified outcome.
type StepRecord struct {
	Outcome probe.Outcome  `json:"outcome"`
	T0      float64        `json:"t0"`
	T       float64        `json:"t"`
	Reply   *ReplyRecord   `json:"reply,omitempty"`
	Meaning *MeaningRecord `json:"meaning,omitempty"`
	Error   string         `json:"error,omitempty"`
}

// ExchangeRecord is one line of a control transcript.
type ExchangeRecord struct {
	T       float64        `json:"t"`
	Command string         `json:"command"`
	Reply   *ReplyRecord   `json:"reply,omitempty"`
	ReplyT  float64        `json:"reply_t,omitempty"`
	Meaning *MeaningRecord `json:"meaning,omitempty"`
}

// ModeRecord is everything one data mode's control connection did.
type ModeRecord struct {
	Mode              probe.Mode         `json:"mode"`
	Applicable        bool               `json:"applicable"`
	ControlLocal      string             `json:"control_local,omitempty"`
	ControlRemote     string             `json:"control_remote,omitempty"`
	Connect           StepRecord         `json:"connect"`
	Banner            StepRecord         `json:"banner"`
	Login             StepRecord         `json:"login"`
	TLS               *ModeTLSRecord     `json:"tls,omitempty"`
	ListData          DataConnRecord     `json:"list_data"`
	List              TransferRecord     `json:"list"`
	RetrData          *DataConnRecord    `json:"retr_data,omitempty"`
	Retr              *TransferRecord    `json:"retr,omitempty"`
	Transcript        []ExchangeRecord   `json:"transcript"`
	Works             bool               `json:"works"`
	PasvSamples       []PasvSampleRecord `json:"pasv_samples,omitempty"`
	RetriedSerially   bool               `json:"retried_serially,omitempty"`
	FirstAttempt      *StepRecord        `json:"first_attempt,omitempty"`
	FirstAttemptAlone bool               `json:"first_attempt_alone,omitempty"`
}

// PasvSampleRecord is a passive reply asked for only to sample the
// server's passive port range.
type PasvSampleRecord struct {
	T         float64 `json:"t"`
	Announced string  `json:"announced"`
}

// DataConnRecord is one data connection attempt.
type DataConnRecord struct {
	Announced     string              `json:"announced,omitempty"`
	Dialled       string              `json:"dialled,omitempty"`
	Listened      string              `json:"listened,omitempty"`
	Peer          string              `json:"peer,omitempty"`
	Local         string              `json:"local,omitempty"`
	AddressPolicy string              `json:"address_policy,omitempty"`
	Setup         StepRecord          `json:"setup"`
	Connect       StepRecord          `json:"connect"`
	Socket        *SocketFactsRecord  `json:"socket,omitempty"`
	TLS           *DataTLSRecord      `json:"tls,omitempty"`
	CallbackWait  *CallbackWaitRecord `json:"callback_wait,omitempty"`
	SetupWatch    *SetupWatchRecord   `json:"setup_watch,omitempty"`
}

// SocketFactsRecord is what this host's TCP stack said of a passive data
// connection's connecting socket (probe.SocketFacts).
type SocketFactsRecord struct {
	Source         string  `json:"source"`
	T              float64 `json:"t"`
	State          string  `json:"state"`
	SYNRetransmits int     `json:"syn_retransmits"`
}

// CallbackWaitRecord is how long an active attempt waited for the
// server's connection, and why.
type CallbackWaitRecord struct {
	Seconds      float64 `json:"seconds"`
	RTTSeconds   float64 `json:"rtt_seconds"`
	ReplySeconds float64 `json:"reply_seconds"`
	Reason       string  `json:"reason"`
}

// SetupWatchRecord is what an active attempt's listener saw while the
// PORT/EPRT reply was awaited.
type SetupWatchRecord struct {
	Listener string             `json:"listener"`
	Wait     CallbackWaitRecord `json:"wait"`
}

// TransferRecord is one transfer on a data connection.
type TransferRecord struct {
	Command     string              `json:"command"`
	Step        StepRecord          `json:"step"`
	Bytes       int64               `json:"bytes"`
	Limit       int64               `json:"limit,omitempty"`
	Aborted     bool                `json:"aborted,omitempty"`
	LargestRead int                 `json:"largest_read,omitempty"`
	Final       *ReplyRecord        `json:"final,omitempty"`
	Preliminary *ReplyRecord        `json:"preliminary,omitempty"`
	Times       TransferTimesRecord `json:"times"`
}

// TransferTimesRecord are the moments of one transfer; nil when they did
// not happen.
type TransferTimesRecord struct {
	Preliminary  *float64 `json:"preliminary,omitempty"`
	FirstByte    *float64 `json:"first_byte,omitempty"`
	LastByte     *float64 `json:"last_byte,omitempty"`
	ServerClosed *float64 `json:"server_closed,omitempty"`
	Final        *float64 `json:"final,omitempty"`
}

// UploadRecord is the --upload test.
type UploadRecord struct {
	Mode         probe.Mode       `json:"mode,omitempty"`
	Skipped      string           `json:"skipped,omitempty"`
	Name         string           `json:"name,omitempty"`
	Bytes        int64            `json:"bytes"`
	Login        StepRecord       `json:"login"`
	Free         StepRecord       `json:"free"`
	Data         DataConnRecord   `json:"data"`
	Store        TransferRecord   `json:"store"`
	Verify       StepRecord       `json:"verify"`
	VerifiedSize int64            `json:"verified_size"`
	Delete       StepRecord       `json:"delete"`
	Transcript   []ExchangeRecord `json:"transcript"`
}

// TLSRecord is what the run learnt about TLS.
type TLSRecord struct {
	Requested    string             `json:"requested"`
	Mode         string             `json:"mode"`
	Auth         *ReplyRecord       `json:"auth,omitempty"`
	Version      string             `json:"version,omitempty"`
	CipherSuite  string             `json:"cipher_suite,omitempty"`
	Prot         string             `json:"prot,omitempty"`
	Insecure     bool               `json:"insecure,omitempty"`
	Certificate  *CertificateRecord `json:"certificate,omitempty"`
	Fallback     string             `json:"fallback,omitempty"`
	PlainLogin   string             `json:"plain_login,omitempty"`
	PlainSkipped string             `json:"plain_skipped,omitempty"`
}

// CertificateRecord holds the facts about the server's certificate.
type CertificateRecord struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dns_names,omitempty"`
	IPAddresses []string  `json:"ip_addresses,omitempty"`
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	SHA256      string    `json:"sha256"`
	ServerName  string    `json:"server_name"`
	NameMatches bool      `json:"name_matches"`
	Expired     bool      `json:"expired"`
	NotYetValid bool      `json:"not_yet_valid,omitempty"`
	Trusted     bool      `json:"trusted"`
	Roots       string    `json:"roots"`
	SelfSigned  bool      `json:"self_signed,omitempty"`
	VerifyError string    `json:"verify_error,omitempty"`
}

// ModeTLSRecord is the TLS side of one control connection.
type ModeTLSRecord struct {
	Handshake StepRecord `json:"handshake"`
	Version   string     `json:"version,omitempty"`
	Prot      StepRecord `json:"prot"`
	Level     string     `json:"level,omitempty"`
}

// DataTLSRecord is the TLS side of one data connection.
type DataTLSRecord struct {
	Handshake StepRecord `json:"handshake"`
	Version   string     `json:"version,omitempty"`
	Resumed   bool       `json:"resumed"`
}

// PacingRecord says whether the modes ran at once or one after another.
type PacingRecord struct {
	Serial        bool         `json:"serial"`
	Trigger       string       `json:"trigger,omitempty"`
	Reason        string       `json:"reason,omitempty"`
	LoginSeconds  float64      `json:"login_seconds"`
	RTTSeconds    float64      `json:"rtt_seconds"`
	QueuedSeconds float64      `json:"queued_seconds,omitempty"`
	Modes         []probe.Mode `json:"modes,omitempty"`
}

// InterruptedRecord says that the run ended before every step had run.
type InterruptedRecord struct {
	T       float64 `json:"t"`
	Cause   string  `json:"cause"`
	Timeout float64 `json:"timeout,omitempty"`
}

package report

import "github.com/ftpdiag/ftpdiag/capture"

// The report's record of the TLS the wire showed on a connection
// (capture.TLSFacts, issue 14): docs/json-schema.md, "TLS facts".

// TLSFactsRecord is what the wire showed of TLS on one connection.
type TLSFactsRecord struct {
	ClientSide           string             `json:"client_side"`
	Client               *ClientHelloRecord `json:"client_hello,omitempty"`
	HelloRetry           bool               `json:"hello_retry,omitempty"`
	Server               *ServerHelloRecord `json:"server_hello,omitempty"`
	Resumption           string             `json:"resumption,omitempty"`
	Completed            bool               `json:"completed"`
	CompletedAt          *PacketRecord      `json:"completed_at,omitempty"`
	AppRecordsFromClient int                `json:"app_records_from_client"`
	AppRecordsFromServer int                `json:"app_records_from_server"`
	AppBytesFromClient   int64              `json:"app_bytes_from_client"`
	AppBytesFromServer   int64              `json:"app_bytes_from_server"`
	Alerts               []TLSAlertRecord   `json:"alerts,omitempty"`
	Unreadable           string             `json:"unreadable,omitempty"`
}

// ClientHelloRecord is what a ClientHello offered.
type ClientHelloRecord struct {
	PacketRecord
	Versions             []string `json:"versions"`
	SessionIDLen         int      `json:"session_id_len"`
	SessionID            string   `json:"session_id,omitempty"`
	Ticket               bool     `json:"session_ticket,omitempty"`
	TicketLen            int      `json:"session_ticket_len,omitempty"`
	TicketHash           string   `json:"session_ticket_hash,omitempty"`
	PSKIdentities        int      `json:"psk_identities,omitempty"`
	PSKIdentity          string   `json:"psk_identity,omitempty"`
	ExtendedMasterSecret bool     `json:"extended_master_secret,omitempty"`
	ServerName           string   `json:"server_name,omitempty"`
}

// ServerHelloRecord is what the server chose.
type ServerHelloRecord struct {
	PacketRecord
	Version              string `json:"version"`
	SessionIDLen         int    `json:"session_id_len"`
	SessionID            string `json:"session_id,omitempty"`
	SessionIDEchoed      bool   `json:"session_id_echoed,omitempty"`
	PSKSelected          bool   `json:"psk_selected,omitempty"`
	Ticket               bool   `json:"session_ticket,omitempty"`
	ExtendedMasterSecret bool   `json:"extended_master_secret,omitempty"`
	Certificate          bool   `json:"certificate,omitempty"`
	NewTicket            string `json:"new_ticket,omitempty"`
}

// TLSAlertRecord is one alert record.
type TLSAlertRecord struct {
	PacketRecord
	From        string `json:"from"`
	Encrypted   bool   `json:"encrypted,omitempty"`
	Level       int    `json:"level,omitempty"`
	Description int    `json:"description,omitempty"`
	Text        string `json:"text"`
}

// tlsFactsRecord converts a connection's TLS facts (nil: none).
func tlsFactsRecord(f *capture.TLSFacts) *TLSFactsRecord {
	if f == nil {
		return nil
	}
	r := &TLSFactsRecord{
		ClientSide: string(f.ClientSide), HelloRetry: f.HelloRetry, Resumption: f.Resumption,
		Completed: f.Completed, CompletedAt: packetPtr(f.CompletedAt),
		AppRecordsFromClient: f.AppRecordsFromClient, AppRecordsFromServer: f.AppRecordsFromServer,
		AppBytesFromClient: f.AppBytesFromClient, AppBytesFromServer: f.AppBytesFromServer,
		Unreadable: f.Unreadable,
	}
	if c := f.Client; c != nil {
		r.Client = &ClientHelloRecord{PacketRecord: packetRecord(c.PacketRef), Versions: c.Versions,
			SessionIDLen: c.SessionIDLen, SessionID: c.SessionID, Ticket: c.Ticket, TicketLen: c.TicketLen,
			TicketHash: c.TicketHash, PSKIdentities: c.PSKIdentities, PSKIdentity: c.PSKIdentity,
			ExtendedMasterSecret: c.ExtendedMasterSecret, ServerName: c.ServerName}
	}
	if s := f.Server; s != nil {
		r.Server = &ServerHelloRecord{PacketRecord: packetRecord(s.PacketRef), Version: s.Version,
			SessionIDLen: s.SessionIDLen, SessionID: s.SessionID, SessionIDEchoed: s.SessionIDEchoed,
			PSKSelected: s.PSKSelected, Ticket: s.Ticket, ExtendedMasterSecret: s.ExtendedMasterSecret,
			Certificate: s.Certificate, NewTicket: s.NewTicket}
	}
	if f.Alerts != nil {
		r.Alerts = make([]TLSAlertRecord, len(f.Alerts))
		for i, a := range f.Alerts {
			r.Alerts[i] = TLSAlertRecord{PacketRecord: packetRecord(a.PacketRef), From: string(a.From),
				Encrypted: a.Encrypted, Level: a.Level, Description: a.Description, Text: a.Text}
		}
	}
	return r
}

// Package monitor puts ftpdiag's probe into the monitoring systems people
// already run: a Prometheus exporter in the multi-target pattern of
// blackbox_exporter (GET /probe?target=HOST[:PORT]&module=NAME runs one probe
// and answers in the Prometheus text format) and the Nagios/Icinga plugin
// status of `ftpdiag check`.
//
// The package turns what one probe run did (probe.Result) and what the
// rules concluded from it (report.Diagnosis) into metrics and a plugin
// status; it decides nothing about the server itself. The exporter stays a
// stateless prober: Prometheus (with federation or remote write for many
// sites) is the distributed engine. Its configuration is YAML with named
// modules (config.go); a password is only ever read from a file named in
// the configuration, never written inline, and never appears in a metric,
// a label, a log line or a debug report.
package monitor

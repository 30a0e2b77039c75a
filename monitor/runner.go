package monitor

import (
	"context"

	"github.com/ftpdiag/ftpdiag/capture"
	"github.com/ftpdiag/ftpdiag/probe"
)

// Runner runs one probe. The command gives one that captures packets
// beside the probe when the module asks for it and the process may
// (cmd/ftpdiag); ProbeOnly runs the probe without a capture. A Runner
// masks the password in whatever evidence it returns.
type Runner func(ctx context.Context, t probe.Target, opts probe.Options, capture bool) (*probe.Result, *capture.Evidence, error)

// ProbeOnly is a Runner without a capture: the wire findings are then
// marked as inferred, as in a probe run without privileges.
func ProbeOnly(ctx context.Context, t probe.Target, opts probe.Options, _ bool) (*probe.Result, *capture.Evidence, error) {
	res, err := probe.Run(ctx, t, opts)
	return res, capture.Unavailable("the exporter runs without a capture", ""), err
}

package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set with -ldflags "-X main.version=... -X main.commit=... -X main.date=..."
// by release builds; otherwise read from the module's build info.
var (
	version = ""
	commit  = ""
	date    = ""
)

// buildVersion returns version, commit and build date.
func buildVersion() (v, c, d string) {
	v, c, d = version, commit, date
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orUnknown(v, "devel"), orUnknown(c, "unknown"), orUnknown(d, "unknown")
	}
	if v == "" {
		v = info.Main.Version
	}
	// The commit and date set by -ldflags win; vcs.* fill what is unset
	// (go build and go install from a checkout record them).
	var vcsRev, vcsTime string
	var vcsDirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			vcsRev = s.Value
		case "vcs.time":
			vcsTime = s.Value
		case "vcs.modified":
			vcsDirty = s.Value == "true"
		}
	}
	if c == "" && vcsRev != "" {
		c = vcsRev
		if vcsDirty {
			c += "+dirty"
		}
	}
	if d == "" {
		d = vcsTime
	}
	return orUnknown(v, "devel"), orUnknown(c, "unknown"), orUnknown(d, "unknown")
}

func orUnknown(s, def string) string {
	if s == "" || s == "(devel)" {
		return def
	}
	return s
}

func newVersionCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c, d := buildVersion()
			fmt.Fprintf(e.stdout, "ftpdiag %s\ncommit %s\nbuilt %s\n%s %s/%s\n", v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/ftpdiag/ftpdiag/probe"
	"github.com/ftpdiag/ftpdiag/report"
)

// newCompletionCommand replaces cobra's default completion command with one
// whose help says where each shell wants the script.
func newCompletionCommand(e *env) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Completion prints a script that makes your shell complete ftpdiag's commands,
flags and flag values. Load it once to try it, or install it to have it in
every new shell (see the help of each shell's subcommand:
"ftpdiag completion bash --help").

Release archives carry the four scripts in completions/.`,
		Example: `  source <(ftpdiag completion bash)
  ftpdiag completion zsh > "${fpath[1]}/_ftpdiag"
  ftpdiag completion fish > ~/.config/fish/completions/ftpdiag.fish
  ftpdiag completion powershell | Out-String | Invoke-Expression`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError("completion needs a shell: bash, zsh, fish or powershell")
			}
			return usageError("completion: unknown shell %q (want bash, zsh, fish or powershell)", args[0])
		},
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		DisableFlagsInUseLine: true,
		RunE:                  func(cmd *cobra.Command, args []string) error { return nil },
	}
	cmd.PersistentFlags().BoolVar(&noDesc, "no-descriptions", false, "complete without the one-line descriptions")

	shell := func(name, long, example string, gen func(root *cobra.Command) error) *cobra.Command {
		return &cobra.Command{
			Use:                   name,
			Short:                 "Print the completion script for " + name,
			Long:                  long,
			Example:               example,
			Args:                  cobra.NoArgs,
			DisableFlagsInUseLine: true,
			ValidArgsFunction:     cobra.NoFileCompletions,
			RunE: func(cmd *cobra.Command, args []string) error {
				return gen(cmd.Root())
			},
		}
	}
	cmd.AddCommand(
		shell("bash", `Print the bash completion script. It needs the bash-completion package
(apt install bash-completion; brew install bash-completion@2).

To load completions in the current shell:
  source <(ftpdiag completion bash)

To load them in every new shell, once:
  Linux:  ftpdiag completion bash | sudo tee /etc/bash_completion.d/ftpdiag >/dev/null
          (or, for you alone: ~/.local/share/bash-completion/completions/ftpdiag)
  macOS:  ftpdiag completion bash > $(brew --prefix)/etc/bash_completion.d/ftpdiag`,
			`  source <(ftpdiag completion bash)`,
			func(root *cobra.Command) error { return root.GenBashCompletionV2(e.stdout, !noDesc) }),
		shell("zsh", `Print the zsh completion script.

If completion is not yet enabled in your zsh, enable it once:
  echo "autoload -U compinit; compinit" >> ~/.zshrc

To load completions in the current shell:
  source <(ftpdiag completion zsh)

To load them in every new shell, once (then start a new shell):
  Linux:  ftpdiag completion zsh > "${fpath[1]}/_ftpdiag"
  macOS:  ftpdiag completion zsh > $(brew --prefix)/share/zsh/site-functions/_ftpdiag`,
			`  ftpdiag completion zsh > "${fpath[1]}/_ftpdiag"`,
			func(root *cobra.Command) error {
				if noDesc {
					return root.GenZshCompletionNoDesc(e.stdout)
				}
				return root.GenZshCompletion(e.stdout)
			}),
		shell("fish", `Print the fish completion script.

To load completions in the current shell:
  ftpdiag completion fish | source

To load them in every new shell, once:
  ftpdiag completion fish > ~/.config/fish/completions/ftpdiag.fish`,
			`  ftpdiag completion fish > ~/.config/fish/completions/ftpdiag.fish`,
			func(root *cobra.Command) error { return root.GenFishCompletion(e.stdout, !noDesc) }),
		shell("powershell", `Print the PowerShell completion script.

To load completions in the current session:
  ftpdiag completion powershell | Out-String | Invoke-Expression

To load them in every new session, add the line above to your PowerShell
profile (the file $PROFILE names).`,
			`  ftpdiag completion powershell | Out-String | Invoke-Expression`,
			func(root *cobra.Command) error {
				if noDesc {
					return root.GenPowerShellCompletion(e.stdout)
				}
				return root.GenPowerShellCompletionWithDesc(e.stdout)
			}),
	)
	return cmd
}

// newManCommand is the hidden command the release script runs to write the
// man pages: ftpdiag.1, ftpdiag-probe.1, ...
func newManCommand(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "man [DIR]",
		Short:  "Write the man pages (section 1) into DIR (default: current directory)",
		Hidden: true,
		Args:   cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if err := writeManPages(cmd.Root(), dir); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			fmt.Fprintf(e.stderr, "ftpdiag: man pages written to %s\n", dir)
			return nil
		},
	}
}

// writeManPages writes one man page per visible command into dir. The date
// is the build date when known (reproducible release archives), else
// SOURCE_DATE_EPOCH or today (cobra/doc's rule).
func writeManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	v, _, d := buildVersion()
	h := &doc.GenManHeader{
		Section: "1",
		Source:  "ftpdiag " + v,
		Manual:  "ftpdiag manual",
	}
	if t, err := time.Parse(time.RFC3339, d); err == nil {
		h.Date = &t
	}
	root.DisableAutoGenTag = true
	if err := doc.GenManTree(root, h, dir); err != nil {
		return fmt.Errorf("man pages in %s: %w", filepath.Clean(dir), err)
	}
	return nil
}

// registerFlagCompletions teaches shell completion the values of the
// subcommands' flags that take a fixed set (a flag a command lacks is
// skipped), and completes the probe URL's scheme instead of file names.
func registerFlagCompletions(root *cobra.Command) {
	var formats []string
	for _, f := range report.Formats {
		formats = append(formats, string(f))
	}
	var modes []string
	for _, m := range probe.AllModes {
		modes = append(modes, string(m))
	}
	fixed := map[string]cobra.CompletionFunc{
		"format":  cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp),
		"capture": cobra.FixedCompletions([]string{"auto", "on", "off"}, cobra.ShellCompDirectiveNoFileComp),
		"modes":   completeList(modes),
		"interface": func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			ifs, _ := net.Interfaces()
			var names []string
			for _, i := range ifs {
				names = append(names, i.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
	for _, c := range root.Commands() {
		for name, fn := range fixed {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		if c.Name() == "probe" && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 || strings.Contains(toComplete, "://") {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return []string{"ftp://", "ftpes://", "ftps://"}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
			}
		}
	}
}

// completeList completes a comma-separated list of values, offering those
// not yet in it after what is typed ("EPSV,P" -> "EPSV,PASV", "EPSV,PORT").
func completeList(values []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		seen := map[string]bool{}
		for _, v := range strings.Split(done, ",") {
			seen[strings.ToUpper(v)] = true
		}
		var out []string
		for _, v := range values {
			if !seen[v] && strings.HasPrefix(v, strings.ToUpper(last)) {
				out = append(out, done+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
}

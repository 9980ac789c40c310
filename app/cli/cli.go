// Package cli holds the headless commands: the same backend calls as the
// window, printing text or, with --json, JSON. Each area defines its
// commands in its own file; commands lists them in workflow order.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"

	"tracetune/backend/index"
	"tracetune/backend/jobs"
	"tracetune/backend/record"
	"tracetune/backend/store"
)

// Command is one headless subcommand.
type Command struct {
	Name    string
	Usage   string // one form per line, e.g. "health --dataset N [--json]"
	Summary string // one line for the command list
	Help    string // the long help of `tracetune help NAME`
	Run     func(e *Env, args []string) error
}

// commands are the headless commands in the order a user runs them: set up
// providers and sources, make a dataset, curate it, grade, dry-run, train,
// deploy; then the housekeeping ones.
var commands = []Command{
	providersCommand,
	rolesCommand,
	sourcesCommand,
	createCommand,
	importCommand,
	pullCommand,
	healthCommand,
	settingsCommand,
	recordsCommand,
	topicsCommand,
	categorizeCommand,
	coverageCommand,
	generateCommand,
	graderCommand,
	dryrunCommand,
	trainCommand,
	benchmarkCommand,
	playgroundCommand,
	deployCommand,
	datasetsCommand,
	duplicateCommand,
	exportCommand,
	deleteCommand,
	usageCommand,
}

// lookup finds a command by name.
func lookup(name string) (Command, bool) {
	for _, c := range commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// IsCommand says whether args name a headless command (else the window opens).
func IsCommand(args []string) bool {
	rest, _, _, err := globalFlags(args)
	if err != nil {
		return true // let Main report the bad usage
	}
	if len(rest) == 0 {
		return false
	}
	_, ok := lookup(rest[0])
	return ok || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" || !strings.HasPrefix(rest[0], "-")
}

// Env is what a command runs with.
type Env struct {
	Ctx     context.Context
	Store   *store.Store
	Jobs    *jobs.Runner
	DataDir string
	JSON    bool
	Out     io.Writer
	Err     io.Writer
}

// UsageError marks bad usage (exit code 2).
type UsageError struct{ Msg string }

func (u UsageError) Error() string { return u.Msg }

// Usage returns a usage error.
func Usage(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// Print writes v as JSON with --json, else calls text.
func (e *Env) Print(v any, text func(w io.Writer)) error {
	if e.JSON {
		enc := json.NewEncoder(e.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	text(e.Out)
	return nil
}

// Dataset resolves --dataset (a name or an id).
func (e *Env) Dataset(nameOrID string) (record.Dataset, error) {
	if strings.TrimSpace(nameOrID) == "" {
		return record.Dataset{}, Usage("--dataset is required (a name or an id)")
	}
	return e.Store.FindDataset(e.Ctx, nameOrID)
}

// Sub is one subcommand of a command ("grader set").
type Sub struct {
	Name string
	Run  func(e *Env, args []string) error
}

// Dispatch runs the subcommand that args[0] names, or says which exist.
func Dispatch(e *Env, cmd string, args []string, subs ...Sub) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Name
	}
	if len(args) == 0 {
		return Usage("%s needs a subcommand: %s", cmd, strings.Join(names, ", "))
	}
	for _, s := range subs {
		if s.Name == args[0] {
			return s.Run(e, args[1:])
		}
	}
	return Usage("unknown %s subcommand %q (%s)", cmd, args[0], strings.Join(names, ", "))
}

// DatasetOnly parses the flags of a subcommand that takes only --dataset
// and resolves the dataset.
func (e *Env) DatasetOnly(name string, args []string) (record.Dataset, error) {
	fs := Flags(name)
	ds := fs.String("dataset", "", "dataset name or id")
	if err := Parse(fs, args); err != nil {
		return record.Dataset{}, err
	}
	return e.Dataset(*ds)
}

// Flags returns a flag set that reports errors as usage errors.
func Flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// Parse parses args, turning flag errors and stray arguments into usage errors.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return Usage("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return Usage("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// globalFlags strips --json and --data-dir wherever they appear.
func globalFlags(args []string) (rest []string, asJSON bool, dataDir string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--json" || a == "-json":
			asJSON = true
		case a == "--data-dir" || a == "-data-dir":
			if i+1 >= len(args) {
				return nil, false, "", Usage("--data-dir needs a directory")
			}
			dataDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--data-dir="):
			dataDir = strings.TrimPrefix(a, "--data-dir=")
		default:
			rest = append(rest, a)
		}
	}
	return rest, asJSON, dataDir, nil
}

// DataDir resolves the data directory: the flag, else $XDG_DATA_HOME/tracetune.
func DataDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	xdg.Reload() // honour XDG_DATA_HOME set after process start (tests)
	return filepath.Join(xdg.DataHome, "tracetune")
}

// DBPath is the database file inside a data directory.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "tracetune.db") }

// GUIDataDir reads --data-dir for the window (it takes no subcommand).
func GUIDataDir(args []string) string {
	_, _, d, _ := globalFlags(args)
	return DataDir(d)
}

// Main runs a headless command and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	rest, asJSON, dir, err := globalFlags(args)
	if err != nil {
		fmt.Fprintln(stderr, "tracetune:", err)
		return 2
	}
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		if len(rest) > 1 {
			c, ok := lookup(rest[1])
			if !ok {
				fmt.Fprintf(stderr, "tracetune help: unknown command %q\n", rest[1])
				return 2
			}
			commandHelp(stdout, c)
			return 0
		}
		help(stdout)
		return 0
	}
	if len(rest) > 1 && (rest[1] == "-h" || rest[1] == "--help") {
		if c, ok := lookup(rest[0]); ok {
			commandHelp(stdout, c)
			return 0
		}
	}
	cmd, ok := lookup(rest[0])
	if !ok {
		fmt.Fprintf(stderr, "tracetune: unknown command %q\n", rest[0])
		help(stderr)
		return 2
	}
	dataDir := DataDir(dir)
	st, err := store.Open(DBPath(dataDir))
	if err != nil {
		fmt.Fprintln(stderr, "tracetune:", err)
		return 1
	}
	defer st.Close()
	ctx, stop := signalContext()
	defer stop()
	e := &Env{Ctx: ctx, Store: st, DataDir: dataDir, JSON: asJSON, Out: stdout, Err: stderr}
	e.Jobs = jobs.New(st, nil)
	if err := cmd.Run(e, rest[1:]); err != nil {
		var u UsageError
		if errors.As(err, &u) {
			fmt.Fprintf(stderr, "tracetune %s: %s\n", cmd.Name, u.Msg)
			usage(stderr, "usage: ", cmd)
			return 2
		}
		fmt.Fprintf(stderr, "tracetune %s: %v\n", cmd.Name, err)
		return 1
	}
	// what the command queued for the indexer (an import) is indexed
	// before the process ends; the app's indexer would do it otherwise
	if n, err := st.Backlog(ctx, 0); err == nil && n >= 100000 {
		fmt.Fprintf(stderr, "tracetune: indexing %d records for search…\n", n)
	}
	if _, err := index.Pending(ctx, st); err != nil {
		fmt.Fprintf(stderr, "tracetune %s: index records: %v\n", cmd.Name, err)
		return 1
	}
	return 0
}

func help(w io.Writer) {
	fmt.Fprintln(w, "Tracetune turns LLM traces into a reinforcement fine-tuned model.")
	fmt.Fprintln(w, "Run with no command to open the window. Headless commands, in the order a user")
	fmt.Fprintln(w, "runs them (add --json for JSON, --data-dir DIR for another data directory;")
	fmt.Fprintln(w, "tracetune help COMMAND says more):")
	for _, c := range commands {
		fmt.Fprintln(w)
		usage(w, "  ", c)
		fmt.Fprintf(w, "      %s\n", c.Summary)
	}
}

// usage prints a command's forms, one per line; a line that starts with
// a space continues the form above it.
func usage(w io.Writer, indent string, c Command) {
	for i, line := range strings.Split(c.Usage, "\n") {
		if i > 0 {
			indent = strings.Repeat(" ", len(indent))
		}
		if strings.HasPrefix(line, " ") {
			fmt.Fprintf(w, "%s          %s\n", indent, strings.TrimSpace(line))
			continue
		}
		fmt.Fprintf(w, "%stracetune %s\n", indent, line)
	}
}

func commandHelp(w io.Writer, c Command) {
	usage(w, "usage: ", c)
	fmt.Fprintf(w, "\n%s\n", c.Summary)
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", c.Help)
	}
}

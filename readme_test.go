// Package doorman_test runs README.md: every fenced block of it is either verified by
// TestReadme or exempt with a reason, so that the README cannot drift from what the tools do.
//
// A block is marked by an HTML comment on the line before its fence, invisible on GitHub:
//
//	<!-- verified: run [exit=N] -->  shell commands ("$ " prompts, "\" continuations), each
//	                                  run in turn and its output (stdout and stderr, as a
//	                                  terminal shows them) compared with the lines shown under
//	                                  it; a block without prompts is commands only. Each
//	                                  command must exit with N (default 0).
//	<!-- verified: background NAME --> one command that runs on (a server), its output up to
//	                                  its "listening on" line compared; it is stopped when
//	                                  another background of the same NAME starts, or at the end.
//	<!-- verified: file PATH -->      the block is written to PATH, for the commands after it.
//	<!-- verified: excerpt PATH -->   every line of the block is a line of the repository's
//	                                  PATH, in the same order.
//	<!-- verified: usage CMD -->      the block is the usage line of `doorman CMD --help`.
//	<!-- exempt: REASON -->           not run, for the reason given.
//
// The walkthrough runs as a newcomer would: in a clone of the repository's HEAD (commit an
// edit to see it tested), with doorman installed by the README's own commands into a GOBIN first on
// PATH, HOME and the AWS configuration in empty temporary directories, the AWS CLI given the
// keys `doorman serve` printed (as the README says) with instance metadata disabled, and only
// 127.0.0.1 reached. The README's fixed ports (3667, 8080, ...) are mapped to free ones in the
// commands, in the files written and in examples/, and back in the output.
//
// Shown output is compared line by line after normalising what differs from run to run: dates,
// times, request ids, host ids, generated keys, commit hashes, a cache hit's age and the version in a "listening
// on" line. A line "..." stands for any number of lines, and "..." within a line for any text.
//
// TestReadme also checks that each command's reference in the README names every flag its
// --help lists.
package doorman_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// commandTimeout bounds one README command: `go install` and `make install` of doorman on
	// a loaded two-core machine take a minute or two with a warm build cache.
	commandTimeout = 5 * time.Minute
	// startTimeout bounds the wait for a background command's "listening on" line.
	startTimeout = 30 * time.Second
	// stopGrace is how long a background command has to exit after SIGTERM (doorman's own
	// graceful shutdown allows requests 20 s).
	stopGrace = 25 * time.Second
	// maxBlocks bounds the README's fenced blocks, against a parser running away.
	maxBlocks = 200
)

// readmePorts are the fixed ports the README's samples use: doorman serve's default, the
// scale-out walkthrough's store and two nodes, the gateway's default and its sample upstream,
// the sample admin listener, the console's.
var readmePorts = []string{"3667", "3668", "3669", "3670", "8080", "8081", "9901", "9001"}

// block is one fenced block of README.md with its marker.
type block struct {
	line   int    // the fence's line number, from 1
	kind   string // run, background, file, excerpt, usage, exempt
	arg    string // the kind's argument
	exit   int    // run: the expected exit status
	body   string // the block's content, without the fences
	header string // the section heading the block is under
}

var markerRe = regexp.MustCompile(`^<!-- (verified|exempt): (.*?)\s*-->$`)

// parseReadme returns README.md's fenced blocks with their markers, and an error naming every
// block without one.
func parseReadme(text string) ([]block, error) {
	lines := strings.Split(text, "\n")
	var blocks []block
	var errs []error
	header := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "#!") {
			header = strings.TrimSpace(strings.TrimLeft(l, "#"))
		}
		if !strings.HasPrefix(l, "```") {
			continue
		}
		b := block{line: i + 1, header: header}
		end := i + 1
		for end < len(lines) && !strings.HasPrefix(lines[end], "```") {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("README.md:%d: fence never closed", i+1)
		}
		b.body = strings.Join(lines[i+1:end], "\n")
		m := []string(nil)
		if i > 0 {
			m = markerRe.FindStringSubmatch(lines[i-1])
		}
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("README.md:%d: a block neither verified nor exempt: put <!-- verified: ... --> or <!-- exempt: REASON --> on the line before it", i+1))
		case m[1] == "exempt":
			if m[2] == "" {
				errs = append(errs, fmt.Errorf("README.md:%d: an exemption without a reason", i+1))
			}
			b.kind, b.arg = "exempt", m[2]
		default:
			fields := strings.Fields(m[2])
			b.kind = fields[0]
			for _, f := range fields[1:] {
				if n, ok := strings.CutPrefix(f, "exit="); ok && b.kind == "run" {
					b.exit, _ = strconv.Atoi(n)
				} else if b.arg == "" {
					b.arg = f
				} else {
					b.arg += " " + f
				}
			}
			switch b.kind {
			case "run":
			case "background", "file", "excerpt", "usage":
				if b.arg == "" {
					errs = append(errs, fmt.Errorf("README.md:%d: %s needs an argument", i+1, b.kind))
				}
			default:
				errs = append(errs, fmt.Errorf("README.md:%d: unknown marker %q", i+1, b.kind))
			}
		}
		blocks = append(blocks, b)
		if len(blocks) > maxBlocks {
			return nil, fmt.Errorf("more than %d blocks", maxBlocks)
		}
		i = end
	}
	return blocks, errors.Join(errs...)
}

// step is one command of a run block and the output shown for it.
type step struct {
	command string
	shown   []string // nil: no output shown, not compared
}

// steps splits a run block into its commands: lines after "$ ", with the lines a trailing
// backslash continues, each followed by the output shown before the next prompt. A block
// without a prompt is all commands, one a line.
func steps(body string) []step {
	lines := strings.Split(body, "\n")
	prompted := false
	for _, l := range lines {
		if strings.HasPrefix(l, "$ ") {
			prompted = true
		}
	}
	var out []step
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if prompted && !strings.HasPrefix(l, "$ ") {
			if len(out) > 0 {
				out[len(out)-1].shown = append(out[len(out)-1].shown, l)
			}
			continue
		}
		if !prompted && strings.TrimSpace(l) == "" {
			continue
		}
		cmd := strings.TrimPrefix(l, "$ ")
		for strings.HasSuffix(cmd, "\\") && i+1 < len(lines) {
			i++
			cmd += "\n" + lines[i]
		}
		out = append(out, step{command: cmd})
	}
	for i := range out {
		// A blank line between a command's output and the next prompt is layout.
		for n := len(out[i].shown); n > 0 && strings.TrimSpace(out[i].shown[n-1]) == ""; n-- {
			out[i].shown = out[i].shown[:n-1]
		}
	}
	return out
}

// normalisers rewrite what differs from run to run, in shown and actual output alike.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)^(doorman(?: gateway)?) \S+(?: \([^)]*\))? listening on`), "$1 <version> listening on"},
	{regexp.MustCompile(`(?m)^Date: .*$`), "Date: <date>"},
	{regexp.MustCompile(`(?i)(x-amz-request-id: )\S+`), "$1<request-id>"},
	{regexp.MustCompile(`(?i)(x-amz-id-2: )\S+`), "$1<host-id>"},
	{regexp.MustCompile(`<RequestId>[^<]*</RequestId>`), "<RequestId><request-id></RequestId>"},
	{regexp.MustCompile(`<HostId>[^<]*</HostId>`), "<HostId><host-id></HostId>"},
	{regexp.MustCompile(`((?:access|secret) key: )\S+`), "$1<key>"},
	// A cache hit's age is whole seconds, 0 unless the machine is slow.
	{regexp.MustCompile(`(Hit from doorman +)\d+`), "$1<age>"},
	{regexp.MustCompile(`Age: "\d+"`), `Age: "<age>"`},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z`), "<time>"},
	{regexp.MustCompile(`\b[0-9a-f]{7,40}\b`), "<hex>"},
}

func normalise(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// matches reports whether output is what shown shows: a shown line "..." stands for any
// number of lines, "..." within a line for any text.
func matches(shown []string, output string) bool {
	var re strings.Builder
	re.WriteString(`^`)
	for i, l := range strings.Split(normalise(strings.Join(shown, "\n")), "\n") {
		if l == "..." {
			re.WriteString(`(?:[^\n]*\n)*?`)
			continue
		}
		re.WriteString(strings.ReplaceAll(regexp.QuoteMeta(l), `\.\.\.`, `[^\n]*`))
		if i < len(shown)-1 {
			re.WriteString(`\n`)
		}
	}
	re.WriteString(`\n?$`)
	return regexp.MustCompile(re.String()).MatchString(normalise(output) + "\n")
}

// walkthrough is the state of a README run: the clone, the environment, the port map and the
// background commands.
type walkthrough struct {
	t       *testing.T
	dir     string
	env     []string
	ports   map[string]string // README port to the free port used
	running map[string]*background
}

// background is a command left running; its output goes to a file, as a terminal's would
// stay on screen.
type background struct {
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{}
}

func (bg *background) output() string {
	data, _ := os.ReadFile(bg.out.Name())
	return string(data)
}

// portHosts are the hosts whose ports are mapped: loopback, and localhost with its
// subdomains (trap.localhost).
var portHosts = []string{"127.0.0.1:", "localhost:"}

// forward maps the README's ports to the test's in a command or file.
func (w *walkthrough) forward(s string) string {
	for from, to := range w.ports {
		for _, h := range portHosts {
			s = strings.ReplaceAll(s, h+from, h+to)
		}
	}
	return s
}

// backward maps the test's ports to the README's in output.
func (w *walkthrough) backward(s string) string {
	for from, to := range w.ports {
		for _, h := range portHosts {
			s = strings.ReplaceAll(s, h+to, h+from)
		}
	}
	return s
}

// mapExamples maps the ports of the clone's examples/, which the commands start servers with.
func (w *walkthrough) mapExamples() {
	paths, err := filepath.Glob(filepath.Join(w.dir, "examples", "*.yaml"))
	if err != nil {
		w.t.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(w.forward(string(data))), 0o600); err != nil {
			w.t.Fatal(err)
		}
		// Builds stamp a clone with changes as dirty; the mapped ports are not a change.
		git(w.t, w.dir, "update-index", "--skip-worktree", p)
	}
}

// defaultAddr gives a server started without an address the free port standing for its
// default one.
func (w *walkthrough) defaultAddr(command string) string {
	switch {
	case strings.Contains(command, "doorman serve") && !strings.Contains(command, "--addr"):
		return command + " --addr 127.0.0.1:" + w.ports["3667"]
	case gatewayCommandRe.MatchString(command) && !strings.Contains(command, " explain") &&
		!strings.Contains(command, "--config") && !strings.Contains(command, "--listen"):
		return command + " --listen 127.0.0.1:" + w.ports["8080"]
	}
	return command
}

func (w *walkthrough) shell(ctx context.Context, command string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "sh", "-c", w.forward(w.defaultAddr(command)))
	cmd.Dir = w.dir
	cmd.Env = w.env
	return cmd
}

func (w *walkthrough) run(b block) {
	t := w.t
	for _, s := range steps(b.body) {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		cmd := w.shell(ctx, s.command)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		cancel()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("README.md:%d: %s: %v", b.line, s.command, err)
		}
		got := w.backward(out.String())
		if code != b.exit {
			t.Errorf("README.md:%d: %s: exit status %d, want %d; output:\n%s", b.line, s.command, code, b.exit, got)
		}
		if s.shown != nil && !matches(s.shown, got) {
			t.Errorf("README.md:%d: %s: the output differs from the README's.\nREADME:\n%s\n\nprinted:\n%s", b.line, s.command, strings.Join(s.shown, "\n"), got)
		}
	}
}

// gatewayCommandRe finds a doorman gateway command (not doorman gateway-something).
var gatewayCommandRe = regexp.MustCompile(`doorman gateway( |$)`)

var keyRe = regexp.MustCompile(`(access|secret) key: (\S+)`)

func (w *walkthrough) start(b block) {
	t := w.t
	st := steps(b.body)
	if len(st) != 1 {
		t.Fatalf("README.md:%d: a background block has one command, not %d", b.line, len(st))
	}
	if old := w.running[b.arg]; old != nil {
		old.stop()
	}
	out, err := os.CreateTemp(filepath.Dir(w.dir), "output-*")
	if err != nil {
		t.Fatal(err)
	}
	cmd := w.shell(context.Background(), "exec "+st[0].command)
	bg := &background{cmd: cmd, out: out, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(bg.done) }()
	w.running[b.arg] = bg
	deadline := time.After(startTimeout)
	for {
		out := w.backward(bg.output())
		if i := strings.Index(out, " listening on "); i >= 0 && strings.Contains(out[i:], "\n") {
			out = out[:i+strings.Index(out[i:], "\n")]
			if st[0].shown != nil && !matches(st[0].shown, out) {
				t.Errorf("README.md:%d: %s: the output differs from the README's.\nREADME:\n%s\n\nprinted:\n%s", b.line, st[0].command, strings.Join(st[0].shown, "\n"), out)
			}
			keys := map[string]string{}
			for _, m := range keyRe.FindAllStringSubmatch(out, -1) {
				keys[m[1]] = m[2]
			}
			if keys["access"] != "" && keys["secret"] != "" {
				w.setEnv("AWS_ACCESS_KEY_ID", keys["access"])
				w.setEnv("AWS_SECRET_ACCESS_KEY", keys["secret"])
			}
			return
		}
		select {
		case <-bg.done:
			t.Fatalf("README.md:%d: %s exited at start:\n%s", b.line, st[0].command, out)
		case <-deadline:
			t.Fatalf("README.md:%d: %s did not start:\n%s", b.line, st[0].command, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (bg *background) stop() {
	_ = bg.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-bg.done:
	case <-time.After(stopGrace):
		_ = bg.cmd.Process.Kill()
		<-bg.done
	}
	bg.out.Close()
}

func (w *walkthrough) setEnv(key, value string) {
	env := w.env[:0:0]
	for _, kv := range w.env {
		if !strings.HasPrefix(kv, key+"=") {
			env = append(env, kv)
		}
	}
	w.env = append(env, key+"="+value)
}

// usage checks a usage block against `doorman CMD --help`.
func (w *walkthrough) usage(b block) {
	help := w.help(strings.Fields(b.arg))
	_, after, ok := strings.Cut(help, "\nUsage:\n")
	if !ok {
		w.t.Fatalf("doorman %s --help has no Usage:\n%s", b.arg, help)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(after), "\n")
	line = strings.TrimSuffix(line, " [flags]")
	if got := strings.Join(strings.Fields(b.body), " "); got != line {
		w.t.Errorf("README.md:%d: usage\n%s\nbut doorman %s --help says\n%s", b.line, got, b.arg, line)
	}
}

func (w *walkthrough) help(args []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := w.shell(ctx, "doorman "+strings.Join(args, " ")+" --help").CombinedOutput()
	if err != nil {
		w.t.Fatalf("doorman %s --help: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// excerpt checks that every line of the block is a line of the file, in order.
func (w *walkthrough) excerpt(b block) {
	data, err := os.ReadFile(filepath.Join(w.dir, b.arg))
	if err != nil {
		w.t.Fatalf("README.md:%d: %v", b.line, err)
	}
	file := strings.Split(w.backward(string(data)), "\n")
	at := 0
	for _, l := range strings.Split(b.body, "\n") {
		l = strings.TrimRight(l, " ")
		if l == "" {
			continue
		}
		for at < len(file) && strings.TrimRight(file[at], " ") != l {
			at++
		}
		if at == len(file) {
			w.t.Errorf("README.md:%d: %q is not a line of %s (after the block's earlier lines)", b.line, l, b.arg)
			return
		}
		at++
	}
}

// referenceFlags: the README section documenting each command names every flag its --help
// lists.
var referenceFlags = []struct {
	args    []string
	section string
}{
	{[]string{"serve"}, "doorman serve"},
	{[]string{"explain"}, "doorman explain"},
	{[]string{"explain-access"}, "doorman explain-access"},
	{[]string{"check"}, "doorman check"},
	{[]string{"lint"}, "doorman lint"},
	{[]string{"gateway"}, "doorman gateway"},
	{[]string{"gateway", "explain"}, "doorman gateway"},
	{[]string{"keys", "list"}, "doorman keys"},
	{[]string{"keys", "rotate"}, "doorman keys"},
	{[]string{"keys", "create-kms"}, "doorman keys"},
}

var flagRe = regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[a-z0-9-]+)`)

func (w *walkthrough) checkFlags(readme string) {
	for _, rf := range referenceFlags {
		section := sectionText(readme, rf.section)
		if section == "" {
			w.t.Errorf("README.md has no section %q", rf.section)
			continue
		}
		for _, m := range flagRe.FindAllStringSubmatch(w.help(rf.args), -1) {
			if m[1] == "--help" {
				continue
			}
			if !strings.Contains(section, "`"+m[1]) && !strings.Contains(section, " "+m[1]+" ") && !strings.Contains(section, "["+m[1]) {
				w.t.Errorf("README.md: section %q does not document doorman %s %s", rf.section, strings.Join(rf.args, " "), m[1])
			}
		}
	}
}

// sectionText is the text under the heading named title, up to the next heading of the same
// or a higher level.
func sectionText(readme, title string) string {
	lines := strings.Split(readme, "\n")
	for i, l := range lines {
		level := len(l) - len(strings.TrimLeft(l, "#"))
		if level == 0 || strings.TrimSpace(l[level:]) != title {
			continue
		}
		end := i + 1
		for ; end < len(lines); end++ {
			if n := len(lines[end]) - len(strings.TrimLeft(lines[end], "#")); n > 0 && n <= level && strings.HasPrefix(lines[end][n:], " ") {
				break
			}
		}
		return strings.Join(lines[i:end], "\n")
	}
	return ""
}

// freePort returns a port nothing listens on now.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// git runs git in dir and returns its output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// clone makes the clean clone the walkthrough runs in, of HEAD: what is not committed is not
// part of it.
func clone(t *testing.T, into string) {
	root := strings.TrimSpace(git(t, ".", "rev-parse", "--show-toplevel"))
	head := strings.TrimSpace(git(t, root, "rev-parse", "HEAD"))
	git(t, into, "clone", "--quiet", "--no-checkout", root, "doorman")
	git(t, filepath.Join(into, "doorman"), "checkout", "--quiet", "--detach", head)
	if git(t, root, "status", "--porcelain", "--untracked-files=no") != "" {
		t.Logf("README walkthrough: HEAD %.12s, without the working tree's uncommitted changes", head)
	}
}

// environment is the newcomer's: the parent's PATH after GOBIN, the go command's caches (so
// that nothing is downloaded), a new HOME, and AWS settings that reach nothing but the
// endpoints the commands name.
func environment(t *testing.T, home, gobin string) []string {
	goenv := map[string]string{}
	for _, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatal(err)
		}
		goenv[k] = strings.TrimSpace(string(out))
	}
	// A builder's -buildvcs=false would hide the version stamp the README shows.
	var goflags []string
	for _, f := range strings.Fields(goenv["GOFLAGS"]) {
		if !strings.HasPrefix(f, "-buildvcs") {
			goflags = append(goflags, f)
		}
	}
	env := []string{
		"PATH=" + gobin + string(filepath.ListSeparator) + os.Getenv("PATH"),
		"HOME=" + home,
		"GOBIN=" + gobin,
		"GOPATH=" + goenv["GOPATH"],
		"GOMODCACHE=" + goenv["GOMODCACHE"],
		"GOCACHE=" + goenv["GOCACHE"],
		"GOFLAGS=" + strings.Join(goflags, " "),
		"GOPROXY=off",
		"GOTOOLCHAIN=local",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"LANG=C.UTF-8",
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("the README walkthrough builds doorman twice and runs servers")
	}
	for _, tool := range []string{"git", "make", "curl", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not available (the walkthrough needs it; make test's environment has it): %v", tool, err)
		}
	}
	if err := exec.Command("git", "rev-parse", "--show-toplevel").Run(); err != nil {
		t.Fatal("not in a git clone: the walkthrough starts with one")
	}
	tmp := t.TempDir()
	clone(t, tmp)
	home, gobin := filepath.Join(tmp, "home"), filepath.Join(tmp, "bin")
	for _, d := range []string{home, gobin} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	w := &walkthrough{t: t, dir: filepath.Join(tmp, "doorman"), env: environment(t, home, gobin),
		ports: map[string]string{}, running: map[string]*background{}}
	for _, p := range readmePorts {
		w.ports[p] = freePort(t)
	}
	w.mapExamples()
	t.Cleanup(func() {
		for _, bg := range w.running {
			bg.stop()
		}
	})
	// The README the walkthrough follows is the clone's.
	data, err := os.ReadFile(filepath.Join(w.dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseReadme(string(data))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, b := range blocks {
		counts[b.kind]++
		switch b.kind {
		case "run":
			w.run(b)
		case "background":
			w.start(b)
		case "file":
			if err := os.WriteFile(filepath.Join(w.dir, b.arg), []byte(w.forward(b.body)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		case "excerpt":
			w.excerpt(b)
		case "usage":
			w.usage(b)
		case "exempt":
			t.Logf("README.md:%d: exempt: %s", b.line, b.arg)
		}
	}
	w.checkFlags(string(data))
	t.Logf("README.md: %d blocks: %d run, %d background, %d file, %d excerpt, %d usage; %d exempt",
		len(blocks), counts["run"], counts["background"], counts["file"], counts["excerpt"], counts["usage"], counts["exempt"])
}

// TestReadmeMarkers: every block of the working tree's README.md is verified or exempt, even
// before it is committed and in short mode.
func TestReadmeMarkers(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseReadme(string(data)); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeMatching: the comparison of shown and printed output.
func TestReadmeMatching(t *testing.T) {
	for _, tc := range []struct {
		name    string
		shown   string
		printed string
		want    bool
	}{
		{"equal", "a\nb", "a\nb\n", true},
		{"a line differs", "a\nb", "a\nc\n", false},
		{"a line missing", "a\nb", "a\n", false},
		{"a line more", "a\nb", "a\nb\nc\n", false},
		{"... stands for lines", "a\n...\nd", "a\nb\nc\nd\n", true},
		{"... stands for no line", "a\n...\nd", "a\nd\n", true},
		{"... within a line", "why: refused (GET; ...)", "why: refused (GET; HEAD and POST always are)\n", true},
		{"... within a line stays in it", "a ...\nz", "a b\nc\nz\n", false},
		{"dates, ids and keys", "Date: Mon, 01 Jan 2026 00:00:00 GMT\nX-Amz-Request-Id: E8A64A3F00000004\n  access key: DM74FQ32QBV4BQ7SRYPL",
			"Date: Tue, 30 Nov 2026 13:51:47 GMT\r\nX-Amz-Request-Id: 187C2A1F2B3D4E5F\r\n  access key: ABCDEFGHIJKLMNOPQRST\n", true},
		{"a version and its commit", "doorman devel+f2be38569598 (2026-11-30T13:51:47Z)", "doorman devel+0123456789ab (2026-12-01T10:00:00Z)\n", true},
		{"a version's form", "doorman devel+f2be38569598 (2026-11-30T13:51:47Z)", "doorman (devel)\n", false},
		{"CRLF and trailing blanks", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK  \r\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(strings.Split(tc.shown, "\n"), tc.printed); got != tc.want {
				t.Errorf("matches(%q, %q) = %v", tc.shown, tc.printed, got)
			}
		})
	}
}

// TestReadmeParse: every block needs a marker, and prompts split commands from output.
func TestReadmeParse(t *testing.T) {
	_, err := parseReadme("text\n\n```sh\nls\n```\n")
	if err == nil || !strings.Contains(err.Error(), "README.md:3: a block neither verified nor exempt") {
		t.Errorf("an unmarked block: %v", err)
	}
	_, err = parseReadme("<!-- exempt: -->\n```\nx\n```\n")
	if err == nil {
		t.Error("an exemption without a reason was accepted")
	}
	blocks, err := parseReadme("# T\n<!-- verified: run exit=1 -->\n```\n$ a \\\n  b\nout\n\n$ c\n```\n")
	if err != nil || len(blocks) != 1 || blocks[0].exit != 1 || blocks[0].header != "T" {
		t.Fatalf("%+v %v", blocks, err)
	}
	st := steps(blocks[0].body)
	if len(st) != 2 || st[0].command != "a \\\n  b" || strings.Join(st[0].shown, "|") != "out" || st[1].shown != nil {
		t.Errorf("steps: %q", st)
	}
	bare := steps("doorman gateway \\\n  --config g.yaml\n")
	if len(bare) != 1 || bare[0].shown != nil {
		t.Errorf("a block without prompts: %q", bare)
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorman-s3/doorman/browsercheck"
)

type checkFlags struct {
	origin      string
	method      string
	headers     []string
	credentials bool
	read        []string
	send        bool
	browser     string
	json        bool
	timeout     time.Duration
	connect     string
	twice       bool
}

// maxBody bounds how much of a response body is read: enough for an S3 error document.
const maxBody = 64 << 10

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check URL --origin ORIGIN [--method M] [--header 'Name: value']... [--credentials] [--read-header NAME]... [--send] [--browser chromium|firefox|webkit|safari] [--json]",
		Short: "Probe a URL and say what a browser decides about a cross-origin request to it, and why",
		Long: `check makes the requests a browser makes for a script's fetch() from ORIGIN, and runs the
browser's checks (the Fetch standard's, in Chromium's order unless --browser says otherwise)
over the answers. It sends the preflight a browser would send, if one is needed (OPTIONS with
Origin, Access-Control-Request-Method and -Headers, no credentials), then the actual request:
GET and HEAD always, other methods only with --send, since the actual request may change data;
without --send it stops after the preflight. Redirects are reported, never followed. No
cookies are sent: --credentials makes the checks those of credentials: 'include'.

It prints ALLOWED, or BLOCKED at a named step with Chromium's console message and corsError,
Firefox's reason and WebKit's (Safari's) console reason, and the fix: the header to send, or for an Amazon S3 or doorman bucket
the CORS rule change. Other verdicts: UNREADABLE (a --read-header stays hidden), REDIRECTED
(the browser would follow a redirect that this command does not), PREFLIGHT PASSED (the
actual request was not sent).

With --twice it looks for the stale-CORS trap of a cache in front of the URL (a CDN, CloudFront,
doorman gateway's edge cache) instead: it GETs the URL once without Origin, as an <img> or curl
does, then once with --origin, as fetch() does, and reports SHARED CACHE when the second answer
comes from the entry the first one filled (X-Cache says Hit, or an Age) without an
Access-Control-Allow-Origin for ORIGIN: the cache key lacks Origin, and which answer a browser
gets depends on who asked first.

Exit status: 0 ALLOWED or PREFLIGHT PASSED (--twice: no shared answer seen), 1 any other verdict,
2 a usage or network error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd.Context(), cmd.OutOrStdout(), args[0], &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.origin, "origin", "", "the page's origin, e.g. https://app.example.com")
	fl.StringVar(&f.method, "method", "GET", "the request's method")
	fl.StringArrayVar(&f.headers, "header", nil, "a request header the script sets, 'Name: value' (repeatable)")
	fl.BoolVar(&f.credentials, "credentials", false, "the script uses credentials: 'include'")
	fl.StringArrayVar(&f.read, "read-header", nil, "a response header the script reads (repeatable)")
	fl.BoolVar(&f.send, "send", false, "send the actual request even when its method may change data")
	fl.StringVar(&f.browser, "browser", "chromium", "chromium, firefox, or webkit (safari: the same): whose order of checks, preflight cache cap and wording decide")
	fl.BoolVar(&f.json, "json", false, "print JSON")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of each request")
	fl.StringVar(&f.connect, "connect", "", "connect to HOST:PORT whatever the URL's host, as a hosts-file entry would (the URL's host is still sent)")
	fl.BoolVar(&f.twice, "twice", false, "probe for a cache serving one answer to requests without and with Origin (GET without Origin, then with it)")
	_ = cmd.MarkFlagRequired("origin")
	return cmd
}

func runCheck(ctx context.Context, w io.Writer, rawURL string, f *checkFlags) error {
	if f.twice {
		return runTwice(ctx, w, rawURL, f)
	}
	b, err := browsercheck.ParseBrowser(f.browser)
	if err != nil {
		return err
	}
	r := browsercheck.Request{URL: rawURL, Origin: f.origin, Method: f.method, ReadHeaders: f.read, Browser: b}
	if f.credentials {
		r.Credentials = browsercheck.Include
	}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return fmt.Errorf("--header %q: want 'Name: value'", h)
		}
		r.Headers = append(r.Headers, browsercheck.Header{Name: strings.TrimSpace(name), Value: value})
	}
	p, err := browsercheck.Classify(&r)
	if err != nil {
		return err
	}
	sendActual := f.send || p.Method == http.MethodGet || p.Method == http.MethodHead
	if !p.Preflight && !sendActual {
		return fmt.Errorf("a %s like this needs no preflight, so only its own response can be checked: add --send (it may change data)", p.Method)
	}
	client := probeClient(f.timeout, f.connect)

	var pre, act *browsercheck.Response
	if p.Preflight {
		h := http.Header{"Origin": {r.Origin}, "Access-Control-Request-Method": {p.RequestMethod},
			"Accept": {"*/*"}, "Sec-Fetch-Mode": {"cors"}}
		if p.RequestHeaders != "" {
			h.Set("Access-Control-Request-Headers", p.RequestHeaders)
		}
		if pre, err = probe(ctx, client, http.MethodOptions, rawURL, h); err != nil {
			return err
		}
	}
	res := browsercheck.Evaluate(&r, p, pre, nil)
	if res.Verdict == browsercheck.PreflightPassed && sendActual {
		h := http.Header{"Origin": {r.Origin}, "Sec-Fetch-Mode": {"cors"}}
		for _, kv := range p.Headers {
			h.Add(kv.Name, kv.Value)
		}
		if act, err = probe(ctx, client, p.Method, rawURL, h); err != nil {
			return err
		}
		res = browsercheck.Evaluate(&r, p, pre, act)
	}
	if f.json {
		err = writeCheckJSON(w, &r, p, res)
	} else {
		err = writeCheckText(w, &r, p, res)
	}
	if err != nil {
		return err
	}
	if res.Verdict != browsercheck.Allowed && res.Verdict != browsercheck.PreflightPassed {
		return exitError(1)
	}
	return nil
}

// probeClient sends requests as a browser's network stack would for a CORS fetch, minus the
// cookies: no cookie jar, and redirects returned rather than followed.
func probeClient(timeout time.Duration, connect string) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if connect != "" {
		dial := t.DialContext
		t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) { return dial(ctx, network, connect) }
	}
	t.MaxResponseHeaderBytes = 1 << 20
	t.ResponseHeaderTimeout = timeout
	return &http.Client{
		Transport:     t,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// probe sends one request and reads its answer, at most maxBody bytes of the body.
func probe(ctx context.Context, c *http.Client, method, rawURL string, h http.Header) (*browsercheck.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header = h
	req.Header.Set("User-Agent", "doorman-check")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w (a browser reports this as net::ERR_FAILED / \"CORS request did not succeed\", not as a CORS error)",
			method, rawURL, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", method, rawURL, err)
	}
	return &browsercheck.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func writeCheckText(w io.Writer, r *browsercheck.Request, p *browsercheck.Plan, res *browsercheck.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s from %s (credentials: %s, browser: %s)\n", p.Method, r.URL, r.Origin, r.Credentials, r.Browser)
	if p.Preflight {
		fmt.Fprintf(&b, "Preflight: OPTIONS with Access-Control-Request-Method: %s", p.RequestMethod)
		if p.RequestHeaders != "" {
			fmt.Fprintf(&b, ", Access-Control-Request-Headers: %s", p.RequestHeaders)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("Preflight: none\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tRESULT\tDETAIL")
	for _, s := range res.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Result, s.Detail)
	}
	_ = tw.Flush()
	b.WriteString("\n")
	switch res.Verdict {
	case browsercheck.Blocked:
		fmt.Fprintf(&b, "BLOCKED at %s\n", res.Block.Step)
		fmt.Fprintf(&b, "Chromium (%s): %s\n", res.Block.CorsError, res.Block.Chromium)
		fmt.Fprintf(&b, "Firefox: %s\n", res.Block.Firefox)
		fmt.Fprintf(&b, "WebKit: %s (then: Fetch API cannot load %s due to access control checks.; the script sees TypeError: Load failed)\n",
			res.Block.WebKit, r.URL)
	case browsercheck.Unreadable:
		fmt.Fprintf(&b, "UNREADABLE: the request succeeds, but the script cannot read %s (headers.get returns null; no console error)\n",
			strings.Join(res.Hidden, ", "))
	case browsercheck.Redirected:
		fmt.Fprintf(&b, "REDIRECTED to %s: the browser would follow it with Origin: %s; check that URL too\n", res.Location, res.RedirectOrigin)
	case browsercheck.PreflightPassed:
		fmt.Fprintf(&b, "PREFLIGHT PASSED: the browser sends the %s; it was not sent here (add --send to check its response)\n", p.Method)
	default:
		b.WriteString("ALLOWED\n")
	}
	for _, fix := range res.Fixes {
		fmt.Fprintf(&b, "Fix: %s\n", fix)
	}
	if res.S3 && len(res.Fixes) > 0 {
		b.WriteString("(The server answers like an Amazon S3 bucket: the fix is to its CORS configuration.)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type checkJSON struct {
	URL         string               `json:"url"`
	Origin      string               `json:"origin"`
	Browser     string               `json:"browser"`
	Credentials string               `json:"credentials"`
	Plan        *browsercheck.Plan   `json:"request"`
	Result      *browsercheck.Result `json:"result"`
}

func writeCheckJSON(w io.Writer, r *browsercheck.Request, p *browsercheck.Plan, res *browsercheck.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(checkJSON{URL: r.URL, Origin: r.Origin, Browser: r.Browser.String(),
		Credentials: r.Credentials.String(), Plan: p, Result: res})
}

// cacheProbe is what --twice records of one answer.
type cacheProbe struct {
	Origin      string `json:"origin"` // "" for the request without Origin
	Status      int    `json:"status"`
	XCache      string `json:"x_cache,omitempty"`
	Age         string `json:"age,omitempty"`
	AllowOrigin string `json:"allow_origin,omitempty"`
	Vary        string `json:"vary,omitempty"`
	Cached      bool   `json:"cached"` // X-Cache says Hit, or an Age above 0
}

type twiceJSON struct {
	URL     string        `json:"url"`
	Probes  []*cacheProbe `json:"probes"`
	Verdict string        `json:"verdict"` // "shared-cache", "ok"
	Detail  string        `json:"detail"`
	Fix     string        `json:"fix,omitempty"`
}

// runTwice probes rawURL without Origin, then with f.origin, and reports whether the second
// answer is the cached first one without the origin's Access-Control-Allow-Origin: the
// stale-CORS trap of a cache whose key lacks Origin.
func runTwice(ctx context.Context, w io.Writer, rawURL string, f *checkFlags) error {
	if f.method != http.MethodGet && f.method != http.MethodHead {
		return fmt.Errorf("--twice probes GET or HEAD, the methods a cache stores, not %s", f.method)
	}
	client := probeClient(f.timeout, f.connect)
	out := twiceJSON{URL: rawURL}
	for _, origin := range []string{"", f.origin} {
		h := http.Header{"Accept": {"*/*"}}
		if origin != "" {
			h.Set("Origin", origin)
			h.Set("Sec-Fetch-Mode", "cors")
		}
		resp, err := probe(ctx, client, f.method, rawURL, h)
		if err != nil {
			return err
		}
		p := &cacheProbe{Origin: origin, Status: resp.Status, XCache: resp.Header.Get("X-Cache"), Age: resp.Header.Get("Age"),
			AllowOrigin: resp.Header.Get("Access-Control-Allow-Origin"), Vary: strings.Join(resp.Header.Values("Vary"), ", ")}
		age, _ := strconv.Atoi(p.Age)
		p.Cached = strings.Contains(strings.ToLower(p.XCache), "hit") || age > 0
		out.Probes = append(out.Probes, p)
	}
	second := out.Probes[1]
	okACAO := second.AllowOrigin == f.origin || second.AllowOrigin == "*"
	switch {
	case second.Cached && !okACAO:
		out.Verdict = "shared-cache"
		got := "no Access-Control-Allow-Origin"
		if second.AllowOrigin != "" {
			got = "Access-Control-Allow-Origin: " + second.AllowOrigin
		}
		out.Detail = fmt.Sprintf("the request with Origin %s got a cached answer (X-Cache: %q, Age: %q) with %s: the entry the request without Origin filled; "+
			"the cache key lacks Origin, and a browser's fetch() fails or passes depending on who asked first", f.origin, second.XCache, second.Age, got)
		out.Fix = "put Origin in the cache key (a cache policy with Origin among its headers, e.g. doorman gateway cache: { policy: { headers: [origin] } }; on CloudFront a custom cache policy), " +
			"or have the edge write Access-Control-Allow-Origin per request (a response headers policy with OriginOverride true)"
	case second.Cached:
		out.Verdict = "ok"
		out.Detail = fmt.Sprintf("the answer with Origin came from a cache (X-Cache: %q, Age: %q) but carries Access-Control-Allow-Origin: %s: the edge writes it per request",
			second.XCache, second.Age, second.AllowOrigin)
	default:
		out.Verdict = "ok"
		out.Detail = "the answer with Origin did not come from the entry the first request filled (no X-Cache hit, no Age): Origin is in the key, or nothing is cached"
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s without Origin, then with Origin %s\n\n", f.method, rawURL, f.origin)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ORIGIN\tSTATUS\tX-CACHE\tAGE\tALLOW-ORIGIN")
		for _, p := range out.Probes {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", orDash(p.Origin), p.Status, orDash(p.XCache), orDash(p.Age), orDash(p.AllowOrigin))
		}
		_ = tw.Flush()
		if out.Verdict == "shared-cache" {
			fmt.Fprintf(&b, "\nSHARED CACHE: %s\nFix: %s\n", out.Detail, out.Fix)
		} else {
			fmt.Fprintf(&b, "\nOK: %s\n", out.Detail)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	if out.Verdict != "ok" {
		return exitError(1)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Command benchratio reports, for server benchmarks run in rounds (make bench-server and
// the other server targets), one server's figure over each other server's, paired round by
// round: in each round every server ran once, minutes apart at most, so a ratio within a
// round is free of the drift that moves this machine's throughput by a fifth from one minute
// to the next. It prints, for each operation and each other server, the median of the
// rounds' ratios with their lowest and highest.
//
// benchstat compares the servers' medians across all rounds, and so mixes one round's
// machine with another's; it has no paired comparison, which is why this exists. The
// benchmark output is read with golang.org/x/perf/benchfmt, benchstat's own reader.
//
// Usage, from the module root:
//
//	go run ./internal/benchratio [-of doorman] [-unit req/s] [-key server] bench-server.txt
//
// A result's round is how many results of its operation and server came before it: the k-th
// result of one server pairs with the k-th of another.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
)

func main() {
	of := flag.String("of", "doorman", "the server whose figures are divided by the others'")
	unit := flag.String("unit", "req/s", "the unit of the figures compared")
	key := flag.String("key", "server", "the sub-benchmark key that names the server")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: benchratio [-of doorman] [-unit req/s] [-key server] FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	runs, err := read(f, flag.Arg(0), *key, *unit)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rows := ratios(runs, *of)
	if len(rows) == 0 {
		fmt.Fprintf(os.Stderr, "no %s figure of %s=%s pairs with another server's\n", *unit, *key, *of)
		os.Exit(1)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "operation\t%s ÷\tmedian\tlowest\thighest\trounds\n", *of)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%.2f\t%.2f\t%.2f\t%d\n", r.op, r.other, r.median, r.low, r.high, r.rounds)
	}
	w.Flush()
}

// runs holds each operation's figures by server, in the order the rounds produced them; ops
// and servers keep the order in which they first appeared.
type runs struct {
	ops, servers []string
	figures      map[[2]string][]float64 // by {operation, server}
}

// read reads benchmark results from r (named name in errors): each result's name less its
// key=server part is its operation, and its value in unit is its figure.
func read(r io.Reader, name, key, unit string) (*runs, error) {
	out := &runs{figures: map[[2]string][]float64{}}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a syntax error or unit metadata: benchstat reports those
		}
		op, server := split(res.Name, key)
		if server == "" {
			continue
		}
		for _, v := range res.Values {
			if v.Unit != unit {
				continue
			}
			k := [2]string{op, server}
			if !slices.Contains(out.ops, op) {
				out.ops = append(out.ops, op)
			}
			if !slices.Contains(out.servers, server) {
				out.servers = append(out.servers, server)
			}
			out.figures[k] = append(out.figures[k], v.Value)
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	if len(out.figures) == 0 {
		return nil, errors.New(name + ": no results in " + unit)
	}
	return out, nil
}

// split returns a result name's operation (its name without the key=VALUE part and the
// GOMAXPROCS suffix) and the value of key, "" when the name has none.
func split(n benchfmt.Name, key string) (op, value string) {
	base, parts := n.Parts()
	var kept []string
	for _, p := range parts {
		switch {
		case bytes.HasPrefix(p, []byte("/"+key+"=")):
			value = string(p[len(key)+2:])
		case bytes.HasPrefix(p, []byte("-")): // GOMAXPROCS
		default:
			kept = append(kept, string(p))
		}
	}
	return string(base) + strings.Join(kept, ""), value
}

// row is one operation's ratios of one server over another, over the rounds both ran.
type row struct {
	op, other         string
	median, low, high float64
	rounds            int
}

// ratios pairs the figures of server of with every other server's, round by round.
func ratios(rs *runs, of string) []row {
	var rows []row
	for _, op := range rs.ops {
		mine := rs.figures[[2]string{op, of}]
		for _, other := range rs.servers {
			theirs := rs.figures[[2]string{op, other}]
			if other == of || len(mine) == 0 || len(theirs) == 0 {
				continue
			}
			var q []float64
			for i := range min(len(mine), len(theirs)) {
				if theirs[i] != 0 {
					q = append(q, mine[i]/theirs[i])
				}
			}
			if len(q) == 0 {
				continue
			}
			slices.Sort(q)
			rows = append(rows, row{op: op, other: other, median: median(q), low: q[0], high: q[len(q)-1], rounds: len(q)})
		}
	}
	return rows
}

// median is the median of sorted, which is not empty.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

package cors

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/doorman-s3/doorman/cors/internal/acrh"
	"github.com/doorman-s3/doorman/cors/internal/wildcard"
)

// methods are the values AllowedMethod may take, in the order of their bits in a rule's mask.
var methods = [...]string{"GET", "PUT", "POST", "DELETE", "HEAD"}

// methodIndex returns m's position in methods, or -1. Matching is exact: Amazon S3 stores
// methods in upper case and compares them byte for byte.
func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "PUT":
		return 1
	case "POST":
		return 2
	case "DELETE":
		return 3
	case "HEAD":
		return 4
	}
	return -1
}

// ruleSet is a set of rule indexes; MaxRules fits in two words.
type ruleSet [(MaxRules + 63) / 64]uint64

func (s *ruleSet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s *ruleSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

// Policy is a compiled, immutable CORS configuration. It is safe for concurrent use; to change
// a bucket's rules, compile a new Policy and swap the pointer (an atomic.Pointer is the usual
// holder), so that every request sees either the old rules or the new ones.
//
// A nil *Policy is a bucket without a CORS configuration.
type Policy struct {
	config *Config
	rules  []rule
	// Origin index: origins some rule names exactly (found by comparing each when there are
	// at most linearOrigins, else through exactIndex), rules allowing any origin ("*"), and
	// the patterns with a '*' inside, grouped by the length of the text after the '*' and
	// keyed by that text. A lookup costs a few comparisons or one map probe for exact
	// origins, and one probe per distinct suffix length, then a prefix check of only the
	// patterns whose suffix matched.
	exact      []exactOrigin
	exactIndex map[string]int
	any        ruleSet
	suffixes   []suffixGroup
	byMethod   [len(methods)]ruleSet
	echoes     acrh.EchoCache
}

// exactOrigin is an origin some rule names exactly, held as a shared
// Access-Control-Allow-Origin value (see sharedValues), and those rules.
type exactOrigin struct {
	value [1]string
	rules ruleSet
}

// linearOrigins is the most exact origins looked up by comparing each in turn: for a few, that
// is quicker than hashing the request's Origin.
const linearOrigins = 8

// exactOrigin returns the exact origin equal to origin, or nil.
func (p *Policy) exactOrigin(origin string) *exactOrigin {
	if p.exactIndex == nil {
		for i := range p.exact {
			if p.exact[i].value[0] == origin {
				return &p.exact[i]
			}
		}
		return nil
	}
	if i, ok := p.exactIndex[origin]; ok {
		return &p.exact[i]
	}
	return nil
}

type suffixGroup struct {
	n        int
	patterns map[string][]originPattern
}

type originPattern struct {
	rule    int
	pattern wildcard.Pattern
}

func (p *Policy) addPattern(rule int, pat wildcard.Pattern) {
	n := len(pat.Suffix())
	i := slices.IndexFunc(p.suffixes, func(g suffixGroup) bool { return g.n == n })
	if i < 0 {
		i = len(p.suffixes)
		p.suffixes = append(p.suffixes, suffixGroup{n: n, patterns: make(map[string][]originPattern)})
	}
	g := p.suffixes[i].patterns
	g[pat.Suffix()] = append(g[pat.Suffix()], originPattern{rule, pat})
}

type rule struct {
	id      string
	origins []wildcard.Pattern // in document order
	star    int                // index of the first lone "*" in origins, or -1
	methods uint8              // bit i set: methods[i] allowed

	anyHeader      bool               // some AllowedHeader is a lone "*"
	headers        []string           // literal AllowedHeaders, lower case, sorted
	headerPatterns []wildcard.Pattern // AllowedHeaders with a '*' inside, lower case

	// Response header values, computed once, as strings (Headers) and as shared header
	// values (WriteHeaders, see sharedValue).
	allowMethods  string
	exposeHeaders string
	maxAge        string // "" when MaxAgeSeconds is absent
	values        [3]string
}

// The indexes of a rule's values.
const (
	valueMethods = iota
	valueExpose
	valueMaxAge
)

// value returns the rule's k-th header value as a shared header value.
func (r *rule) value(k int) []string { return r.values[k : k+1 : k+1] }

// Compile validates c (see Validate) and compiles it. The Policy keeps its own copy of c.
func Compile(c *Config) (*Policy, error) {
	if err := Validate(c); err != nil {
		return nil, err
	}
	p := &Policy{config: c.Clone(), exactIndex: make(map[string]int)}
	p.rules = make([]rule, len(c.Rules))
	for i, src := range p.config.Rules {
		r := &p.rules[i]
		r.id = src.ID
		r.star = -1
		for j, o := range src.AllowedOrigins {
			pat := wildcard.Compile(o)
			r.origins = append(r.origins, pat)
			switch {
			case pat.Any():
				if r.star < 0 {
					r.star = j
				}
				p.any.add(i)
			case pat.Literal():
				k, ok := p.exactIndex[o]
				if !ok {
					k = len(p.exact)
					p.exactIndex[o] = k
					p.exact = append(p.exact, exactOrigin{value: [1]string{o}})
				}
				p.exact[k].rules.add(i)
			default:
				p.addPattern(i, pat)
			}
		}
		for _, m := range src.AllowedMethods {
			k := methodIndex(m)
			r.methods |= 1 << k
			p.byMethod[k].add(i)
		}
		for _, h := range src.AllowedHeaders {
			pat := wildcard.CompileFold(h)
			switch {
			case pat.Any():
				r.anyHeader = true
			case pat.Literal():
				r.headers = append(r.headers, pat.String())
			default:
				r.headerPatterns = append(r.headerPatterns, pat)
			}
		}
		slices.Sort(r.headers)
		r.headers = slices.Compact(r.headers)
		r.allowMethods = strings.Join(src.AllowedMethods, ", ")
		r.exposeHeaders = strings.Join(src.ExposeHeaders, ", ")
		// A configured MaxAgeSeconds is sent as configured, 0 and negative values included;
		// whether S3 sends 0 or omits it is not recorded [UNVERIFIED], and negative values are
		// accepted per a versitygw test comment [UNVERIFIED].
		if src.MaxAgeSeconds != nil {
			r.maxAge = strconv.Itoa(int(*src.MaxAgeSeconds))
		}
		r.values = [3]string{valueMethods: r.allowMethods, valueExpose: r.exposeHeaders, valueMaxAge: r.maxAge}
	}
	if len(p.exact) <= linearOrigins {
		p.exactIndex = nil
	}
	return p, nil
}

// Config returns a copy of the configuration the policy was compiled from, as stored.
func (p *Policy) Config() *Config { return p.config.Clone() }

// originRules puts in set, which is empty, the rules that allow origin, whatever the method;
// it returns, when some rule names origin exactly, origin as a shared header value (nil
// otherwise).
func (p *Policy) originRules(origin string, set *ruleSet) (value *[1]string) {
	*set = p.any
	if e := p.exactOrigin(origin); e != nil {
		for w := range set {
			set[w] |= e.rules[w]
		}
		value = &e.value
	}
	for _, g := range p.suffixes {
		if len(origin) < g.n {
			continue
		}
		for _, op := range g.patterns[origin[len(origin)-g.n:]] {
			if !set.has(op.rule) && op.pattern.Match(origin) {
				set.add(op.rule)
			}
		}
	}
	return value
}

// unadmitted lists, joined with ", ", the names that no rule of set admits.
func (p *Policy) unadmitted(set ruleSet, names *acrh.Names) string {
	var b strings.Builder
	for n := range names.Len() {
		name := names.At(n)
		if !p.anyAdmits(set, name) {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(name)
		}
	}
	return b.String()
}

func (p *Policy) anyAdmits(set ruleSet, name string) bool {
	for w, word := range set {
		for word != 0 {
			if p.rules[w*64+bits.TrailingZeros64(word)].allowedBy(name) != "" {
				return true
			}
			word &= word - 1
		}
	}
	return false
}

// first returns the first rule of set, in document order, that allows every requested header
// name; or -1.
func (p *Policy) first(set ruleSet, names *acrh.Names) int {
	for w, word := range set {
		for word != 0 {
			i := w*64 + bits.TrailingZeros64(word)
			if p.rules[i].allowsHeaders(names) {
				return i
			}
			word &= word - 1
		}
	}
	return -1
}

// first returns the lowest index in s, which must not be empty.
func (s *ruleSet) first() int {
	w := 0
	for s[w] == 0 {
		w++
	}
	return w*64 + bits.TrailingZeros64(s[w])
}

func (s *ruleSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// matchOrigin returns the index of the first AllowedOrigin of the rule that matches, or -1.
func (r *rule) matchOrigin(origin string) int {
	for j, o := range r.origins {
		if o.Match(origin) {
			return j
		}
	}
	return -1
}

// allowOrigin is the Access-Control-Allow-Origin value for a request the rule matched: "*"
// when the AllowedOrigin that matched is a lone "*", else the request's Origin verbatim.
// Recorded for rules holding only "*" or only other patterns; for a rule mixing both, the
// first matching entry deciding is a choice [UNVERIFIED].
func (r *rule) allowOrigin(origin string) string {
	if r.star >= 0 && (r.star == 0 || r.matchOrigin(origin) == r.star) {
		return "*"
	}
	return origin
}

func (r *rule) allowsHeaders(names *acrh.Names) bool {
	if r.anyHeader {
		return true
	}
	for i := range names.Len() {
		if r.allowedBy(names.At(i)) == "" {
			return false
		}
	}
	return true
}

// literal returns, as a shared header value (see sharedValues), the rule's literal
// AllowedHeader equal to name ignoring case, which is name's echo; nil when there is none.
func (r *rule) literal(name string) *[1]string {
	if j, ok := r.literalIndex(name); ok {
		return (*[1]string)(r.headers[j : j+1])
	}
	return nil
}

// literalIndex finds name, ignoring case, among the rule's literal AllowedHeaders (lower
// case, sorted). Browsers send names in lower case, which compare as they are, with the
// runtime's comparison; other names are compared folding case byte by byte.
func (r *rule) literalIndex(name string) (int, bool) {
	lower := wildcard.IsLower(name)
	lo, hi := 0, len(r.headers)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		var c int
		if lower {
			c = strings.Compare(name, r.headers[m])
		} else {
			c = wildcard.CompareFold(name, r.headers[m])
		}
		switch {
		case c == 0:
			return m, true
		case c > 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return lo, false
}

// allowedBy returns the AllowedHeader (lower case) that admits name, or "" if none does.
func (r *rule) allowedBy(name string) string {
	if r.anyHeader {
		return "*"
	}
	if j, ok := r.literalIndex(name); ok {
		return r.headers[j]
	}
	for _, p := range r.headerPatterns {
		if p.MatchFold(name) {
			return p.String()
		}
	}
	return ""
}

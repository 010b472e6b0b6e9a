package edge

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Bounds of an invalidation, CloudFront's
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations):
// 3,000 paths per request; a path's length is bounded like a URL's.
const (
	maxInvalidationPaths = 3000
	maxPathLength        = 4096
	// maxBatchBytes bounds an InvalidationBatch document: 3,000 paths of a few dozen bytes.
	maxBatchBytes = 1 << 20
)

// ParseInvalidationPath checks one path of an invalidation as CreateInvalidation does: it
// starts with "/", and a "*" may only end it (a prefix wildcard); a query string is ignored,
// since every variant of a path is invalidated together. It returns the path (without the
// "*") and whether it is a prefix.
func ParseInvalidationPath(p string) (string, bool, error) {
	if len(p) > maxPathLength {
		return "", false, fmt.Errorf("the path is longer than %d bytes", maxPathLength)
	}
	if !strings.HasPrefix(p, "/") {
		return "", false, fmt.Errorf("%q: a path starts with /", p)
	}
	p, _, _ = strings.Cut(p, "?")
	prefix := strings.HasSuffix(p, "*")
	if prefix {
		p = p[:len(p)-1]
	}
	if strings.Contains(p, "*") {
		return "", false, fmt.Errorf("%q: the * wildcard must be at the end of the path", p)
	}
	for _, c := range []byte(p) {
		if c < ' ' || c == 0x7f {
			return "", false, fmt.Errorf("%q: a path holds no control characters", p)
		}
	}
	return p, prefix, nil
}

// Invalidate removes every entry (all variants: every key) whose path is one of paths, or
// starts with one ending in "*", as CloudFront's CreateInvalidation
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html).
// Paths are compared with the requests' escaped paths, case-sensitively. A fetch under way
// when the invalidation runs is served but not stored. It returns the entries removed.
func (c *Cache) Invalidate(paths []string) (int, error) {
	if len(paths) == 0 || len(paths) > maxInvalidationPaths {
		return 0, fmt.Errorf("an invalidation has between 1 and %d paths, not %d", maxInvalidationPaths, len(paths))
	}
	type rule struct {
		path   string
		prefix bool
	}
	rules := make([]rule, len(paths))
	for i, p := range paths {
		path, prefix, err := ParseInvalidationPath(p)
		if err != nil {
			return 0, err
		}
		rules[i] = rule{path, prefix}
	}
	c.epoch.Add(1)
	n := 0
	for k, e := range c.store.All() {
		for _, r := range rules {
			if e.path == r.path || r.prefix && strings.HasPrefix(e.path, r.path) {
				if _, ok := c.store.Invalidate(k); ok {
					n++
				}
				break
			}
		}
	}
	if c.m != nil {
		c.m.Invalidated(n)
	}
	return n, nil
}

// InvalidationBatch is CloudFront's document
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html),
// in the JSON form `aws cloudfront create-invalidation --invalidation-batch` takes.
type InvalidationBatch struct {
	Paths struct {
		Quantity int      `json:"Quantity"`
		Items    []string `json:"Items"`
	} `json:"Paths"`
	CallerReference string `json:"CallerReference"`
}

type invalidationJSON struct {
	ID                string            `json:"Id"`
	Status            string            `json:"Status"`
	CreateTime        string            `json:"CreateTime"`
	InvalidationBatch InvalidationBatch `json:"InvalidationBatch"`
}

type errorJSON struct {
	Error struct {
		Type    string `json:"Type"`
		Code    string `json:"Code"`
		Message string `json:"Message"`
	} `json:"Error"`
}

// InvalidationHandler serves POST of an InvalidationBatch (bare, or wrapped as
// {"InvalidationBatch": ...}), as the admin listener's /cache/invalidations. The answer is
// CloudFront's: 201 with Location and {"Location", "Invalidation": {Id, Status, CreateTime,
// InvalidationBatch}}, Status "Completed" since removal is done when it answers, and
// EntriesRemoved, doorman's own; errors are 400 with CloudFront's error codes.
func (c *Cache) InvalidationHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(io.LimitReader(r.Body, maxBatchBytes+1))
		if err != nil || len(data) > maxBatchBytes {
			writeError(w, "InvalidArgument", fmt.Sprintf("the document is unreadable or larger than %d bytes", maxBatchBytes))
			return
		}
		var wrapped struct {
			InvalidationBatch *InvalidationBatch `json:"InvalidationBatch"`
		}
		var batch InvalidationBatch
		if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.InvalidationBatch != nil {
			batch = *wrapped.InvalidationBatch
		} else if err := json.Unmarshal(data, &batch); err != nil {
			writeError(w, "MalformedInput", "the body is not an InvalidationBatch: "+err.Error())
			return
		}
		if batch.Paths.Quantity != len(batch.Paths.Items) {
			// CloudFront's message for this mistake.
			writeError(w, "InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
			return
		}
		if batch.CallerReference == "" {
			batch.CallerReference = time.Now().UTC().Format(time.RFC3339Nano)
		}
		n, err := c.Invalidate(batch.Paths.Items)
		if err != nil {
			writeError(w, "InvalidArgument", err.Error())
			return
		}
		id := invalidationID()
		loc := "/cache/invalidations/" + id
		w.Header().Set("Location", loc)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"Location": loc, "EntriesRemoved": n, "Invalidation": invalidationJSON{
			ID: id, Status: "Completed", CreateTime: time.Now().UTC().Format(time.RFC3339), InvalidationBatch: batch}})
	})
}

func writeError(w http.ResponseWriter, code, msg string) {
	var e errorJSON
	e.Error.Type, e.Error.Code, e.Error.Message = "Sender", code, msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(e)
}

// invalidationID makes an id in CloudFront's form: 14 upper-case letters and digits.
func invalidationID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [14]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

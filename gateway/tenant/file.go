package tenant

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/doorman-s3/doorman/cors/fetch"
)

// Bounds on one tenant file. A file is read whole into memory and compiled on every change,
// so both its size and the number of origins it lists are capped.
const (
	// MaxFileSize is the largest tenant file read: MaxOrigins origins of 60 bytes each fit in
	// it with room for comments and quoting; a file larger than that is a mistake (a log
	// written to the wrong path), and reading it whole must not cost unbounded memory.
	MaxFileSize = 64 << 10
	// MaxOrigins is the most origins one tenant may list: the policy's own bound, checked
	// while decoding so that an oversized list is refused before anything is compiled.
	MaxOrigins = fetch.MaxOrigins
)

// Errors a tenant file can be refused with; the error returned wraps one of them when it
// applies (errors.Is), with the file and position.
var (
	ErrFileTooLarge   = fmt.Errorf("file larger than %d bytes", MaxFileSize)
	ErrTooManyOrigins = fmt.Errorf("more than %d origins", MaxOrigins)
	ErrTooManyTenants = fmt.Errorf("more than %d tenant files", MaxTenants)
	errNotRegular     = errors.New("not a regular file")
)

// originsKey is the only key of a tenant file.
const originsKey = "origins"

// FileError is a problem in one tenant file. Line and Col (1-based) locate it when known.
type FileError struct {
	Path      string
	Line, Col int
	Err       error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %v", e.Path, e.Line, e.Col, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// position is where an origin was written in its file.
type position struct{ line, col int }

// Decode reads a tenant file: a YAML mapping with the single key "origins", a list of
// strings. It checks the shape and the bounds only; whether each origin is valid is decided
// by compiling it (see Set). Errors name the line and column (a *FileError with an empty
// Path).
func Decode(data []byte) ([]string, error) {
	origins, _, err := decode(data)
	return origins, err
}

// decode is Decode, also returning where each origin was written.
func decode(data []byte) ([]string, []position, error) {
	if len(data) > MaxFileSize {
		return nil, nil, &FileError{Err: ErrFileTooLarge}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, &FileError{Err: errors.New(`empty file: a tenant file is "origins: [...]"`)}
		}
		return nil, nil, &FileError{Err: err}
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, nil, &FileError{Line: more.Line, Col: more.Column, Err: errors.New("more than one YAML document")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, nodeError(root, `a tenant file is a mapping: "origins: [...]"`)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || k.Value != originsKey:
			return nil, nil, nodeError(k, fmt.Sprintf("unknown key %q: a tenant file has only %q", k.Value, originsKey))
		case list != nil:
			return nil, nil, nodeError(k, fmt.Sprintf("%q given twice", originsKey))
		}
		list = v
	}
	if list == nil {
		return nil, nil, nodeError(root, fmt.Sprintf("no %q key", originsKey))
	}
	if list.Kind != yaml.SequenceNode {
		return nil, nil, nodeError(list, fmt.Sprintf("%s: must be a list of origins", originsKey))
	}
	if len(list.Content) > MaxOrigins {
		return nil, nil, &FileError{Line: list.Line, Col: list.Column, Err: fmt.Errorf("%s: %w", originsKey, ErrTooManyOrigins)}
	}
	origins := make([]string, len(list.Content))
	pos := make([]position, len(list.Content))
	for i, n := range list.Content {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			return nil, nil, nodeError(n, fmt.Sprintf("%s[%d]: must be a string (quote it)", originsKey, i))
		}
		origins[i], pos[i] = n.Value, position{n.Line, n.Column}
	}
	return origins, pos, nil
}

func nodeError(n *yaml.Node, msg string) error {
	return &FileError{Line: n.Line, Col: n.Column, Err: errors.New(msg)}
}

package errlist_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/doorman-s3/doorman/internal/errlist"
)

func TestFlatten(t *testing.T) {
	a, b, c := errors.New("a"), errors.New("b"), errors.New("c")
	wrapped := fmt.Errorf("wrapped: %w", c)
	tests := []struct {
		name string
		err  error
		want []error
	}{
		{"nil", nil, nil},
		{"one", a, []error{a}},
		{"joined", errors.Join(a, b), []error{a, b}},
		{"nested, depth first", errors.Join(errors.Join(a, b), wrapped), []error{a, b, wrapped}},
		{"several %w", fmt.Errorf("%w and %w", a, errors.Join(b, c)), []error{a, b, c}},
	}
	for _, tt := range tests {
		if got := errlist.Flatten(tt.err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

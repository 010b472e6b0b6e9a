// Package errlist lists the errors a joined error holds, for the loaders that report every
// fault of a configuration at once (errors.Join) and the tools that show each at its place.
package errlist

// Flatten returns the errors err holds, depth first: the leaves of every error with an
// Unwrap() []error method (errors.Join, fmt.Errorf with several %w), and err itself when it
// has none. A nil err holds none.
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// Command doorman is an S3-compatible object store whose bucket CORS behaves exactly like
// Amazon S3's, plus the tools to see why a browser allows or blocks a request.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries a process exit status out of a command without printing anything more.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "doorman",
		Short:         "An S3-compatible object store with exact Amazon S3 bucket CORS, and CORS tools",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newGatewayCmd(), newExplainCmd(), newExplainAccessCmd(), newLintCmd(), newCheckCmd(), newKeysCmd(), newVersionCmd())
	return withVersion(root)
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and returns the exit status: 0 success, 1 a negative
// verdict, 2 a usage or input error.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	var code exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	}
	fmt.Fprintln(os.Stderr, "doorman:", err)
	return 2
}

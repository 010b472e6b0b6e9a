package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/doorman-s3/doorman/storage/disk"
)

// The keys command manages the master keys of a store's server-side encryption, kept in
// keyring.json in the data directory (docs/encryption.md). It works offline: it opens the
// store as serve does, so a directory a running serve holds is refused (disk.InUseError)
// rather than given a keyring the server would not see and then overwrite. It never prints
// key material, only key ids, ARNs and aliases.

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List, rotate and create the encryption keys of a stopped store",
		Long: `keys manages the master keys of server-side encryption, kept in keyring.json (mode 0600) in
the data directory: back that file up with the data, as every SSE-S3 and SSE-KMS object is
readable only with it. The store must be stopped: a directory that a running doorman serve
holds is refused.

  list        SSE-S3 key ids (the active one marked), KMS keys with ARNs and aliases
  rotate      a new SSE-S3 key seals new objects; the older ones still open theirs
  create-kms  a new KMS key for SSE-KMS, named by its id, ARN or --alias; prints its ARN

Key material is never printed.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newKeysListCmd(), newKeysRotateCmd(), newKeysCreateKMSCmd())
	return cmd
}

// keysCommand is a keys subcommand: it opens the store of --data, with the options opts gives
// once the flags are parsed (the store's defaults when opts is nil), runs do on it with the
// command's output, and closes it.
func keysCommand(use, short string, do func(w io.Writer, s *disk.Store) error, opts func() []disk.Option) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var o []disk.Option
			if opts != nil {
				o = opts()
			}
			return withStore(data, func(s *disk.Store) error { return do(cmd.OutOrStdout(), s) }, o...)
		},
	}
	cmd.Flags().StringVar(&data, "data", defaultDataDir(), "data directory (of a stopped doorman serve)")
	return cmd
}

// withStore opens the store in dir, runs do on it and closes it. The directory must exist: a
// mistyped --data fails rather than becomes a new, empty store.
func withStore(dir string, do func(*disk.Store) error, opts ...disk.Option) error {
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("data directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	store, err := disk.Open(dir, opts...)
	if err != nil {
		return err
	}
	if err := do(store); err != nil {
		store.Close()
		return err
	}
	return store.Close()
}

func newKeysListCmd() *cobra.Command {
	return keysCommand("list", "List the SSE-S3 keys (the active one marked) and the KMS keys with their ARNs and aliases", listKeys, nil)
}

// listKeys prints the keys of the store s: the SSE-S3 keys oldest first, the active one
// marked, then the KMS keys.
func listKeys(w io.Writer, s *disk.Store) error {
	var b strings.Builder
	b.WriteString("SSE-S3 keys (the active one seals new objects):\n")
	for _, k := range s.S3Keys() {
		fmt.Fprintf(&b, "  %s  created %s", k.ID, k.Created.UTC().Format(time.RFC3339))
		if k.Current {
			b.WriteString("  active")
		}
		b.WriteString("\n")
	}
	kms := s.KMSKeys()
	if len(kms) == 0 {
		b.WriteString("KMS keys: none\n")
	} else {
		b.WriteString("KMS keys:\n")
	}
	for _, k := range kms {
		fmt.Fprintf(&b, "  %s  created %s", k.ARN, k.Created.UTC().Format(time.RFC3339))
		if len(k.Aliases) > 0 {
			fmt.Fprintf(&b, "  %s", strings.Join(k.Aliases, ", "))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func newKeysRotateCmd() *cobra.Command {
	return keysCommand("rotate", "Add a new SSE-S3 key that seals new objects; the older keys still open the objects they sealed",
		func(w io.Writer, s *disk.Store) error {
			id, err := s.RotateKey()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(w, "SSE-S3 key %s is now active; the older keys still open the objects they sealed\n", id)
			return err
		}, nil)
}

func newKeysCreateKMSCmd() *cobra.Command {
	var aliases []string
	var region string
	cmd := keysCommand("create-kms", "Create a KMS key for SSE-KMS and print its ARN",
		func(w io.Writer, s *disk.Store) error {
			k, err := s.CreateKMSKey(aliases...)
			if err != nil {
				return fmt.Errorf("creating a KMS key: %w", err)
			}
			_, err = fmt.Fprintln(w, k.ARN)
			return err
		}, func() []disk.Option { return []disk.Option{disk.WithRegion(region)} })
	cmd.Long = `create-kms adds a KMS key to the store's keyring and prints its ARN. SSE-KMS writes name it by
its id, its ARN, or an alias given with --alias (alias/NAME; more than one may be given). The
ARN names --region, which must be the region doorman serve runs with.`
	cmd.Flags().StringArrayVar(&aliases, "alias", nil, "an alias of the key: alias/NAME, of letters, digits, '/', '_' and '-', not under alias/aws/ (repeatable)")
	cmd.Flags().StringVar(&region, "region", "us-east-1", "the region in the key's ARN: the one doorman serve runs with")
	return cmd
}

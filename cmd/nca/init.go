package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/opennca/nca/ca"
)

// initCeremony runs "nca init --config FILE": the key ceremony. It generates (or finds)
// the root and issuing CA keys in the configured key store, signs the CA certificates,
// writes them to <data>/ca and writes the ceremony record to
// <data>/ceremony/<time>.json. `nca serve --data <data> --key-store FILE` then uses
// them. now is the clock of the record.
func initCeremony(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the ceremony file (YAML): data, org, base_url, key_algorithm, key_store, operator, participants")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if *cfgPath == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: nca init --config ceremony.yaml")
		return errUsage
	}
	cfg, err := readCeremonyConfig(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.Data == "" || cfg.Org == "" || cfg.BaseURL == "" {
		return fmt.Errorf("ceremony config %s: data, org and base_url are required", *cfgPath)
	}
	spec, err := cfg.keySpec()
	if err != nil {
		return err
	}
	operator := cfg.Operator
	if operator == "" {
		if u, err := user.Current(); err == nil {
			operator = u.Username
		}
	}
	host, _ := os.Hostname()
	caDir := filepath.Join(cfg.Data, "ca")
	keys, err := openKeyStore(cfg.KeyStore, caDir, getenv)
	if err != nil {
		return err
	}
	defer keys.close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, rec, err := ca.Ceremony(ca.Options{Dir: caDir, Keys: keys.store, KeySpec: spec, Org: cfg.Org,
		BaseURL: strings.TrimRight(cfg.BaseURL, "/"), Logger: log, Now: now},
		ca.CeremonyInfo{Operator: operator, Participants: cfg.Participants, Host: host, KeyStore: keys.describe})
	if rec == nil {
		return fmt.Errorf("key ceremony: %w", err) // nothing was done (bad options)
	}
	if err == nil {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
			rec.Error = "interrupted after the keys and certificates were made: " + cerr.Error()
		}
	}
	// The record is written whatever happened: keys generated before a failure or an
	// interruption are evidence too.
	recPath, werr := writeCeremonyRecord(filepath.Join(cfg.Data, "ceremony"), rec)
	if werr != nil {
		if err != nil {
			return fmt.Errorf("key ceremony: %w (and the record could not be written: %v)", err, werr)
		}
		return werr
	}
	if err != nil {
		fmt.Fprintf(stderr, "nca init: the ceremony stopped; record %s\n", recPath)
		return fmt.Errorf("key ceremony: %w", err)
	}
	fmt.Fprintf(stdout, "nca init: key ceremony by %s, keys in %s\n", operator, keys.describe)
	for _, s := range rec.Steps {
		fmt.Fprintf(stdout, "  - %s\n", s)
	}
	for _, c := range rec.CAs {
		fmt.Fprintf(stdout, "nca init: %s SHA-256 %s\n", c.Name, c.SHA256)
	}
	fmt.Fprintf(stdout, "nca init: record %s\n", recPath)
	return nil
}

// writeCeremonyRecord writes rec as JSON into a new file of dir named by its start
// time; an existing record is never replaced.
func writeCeremonyRecord(dir string, rec *ca.CeremonyRecord) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("ceremony record: %w", err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("ceremony record: %w", err)
	}
	path := filepath.Join(dir, rec.StartedAt.Format("20060102T150405.000000000Z")+".json")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("ceremony record: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("ceremony record: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("ceremony record: %w", err)
	}
	return path, nil
}

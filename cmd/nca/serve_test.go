package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (*serveConfig, error) {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	fs, c := serveFlags(getenv)
	fs.SetOutput(new(bytes.Buffer))
	if err := parseServeFlags(fs, c, args, getenv); err != nil {
		return nil, err
	}
	return c, c.validate()
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "nca.yaml")
	if err := os.WriteFile(cfg, []byte("listen: 127.0.0.1:9000\norg: From File\nlog-level: warn\ncrl-interval: 30m\ndata: /srv/nca\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, map[string]string{"NCA_ORG": "From Env"}, "--config", cfg, "--log-level", "debug")
	if err != nil {
		t.Fatal(err)
	}
	if c.listen != "127.0.0.1:9000" || c.data != "/srv/nca" || c.crlInterval != 30*time.Minute {
		t.Errorf("file values not applied: %+v", c)
	}
	if c.org != "From Env" {
		t.Errorf("org = %q: an NCA_* variable must override the file", c.org)
	}
	if c.logLevel != "debug" {
		t.Errorf("log-level = %q: a flag must override the file", c.logLevel)
	}

	c, err = parse(t, nil)
	if err != nil || c.listen != "127.0.0.1:8080" || c.data != "./nca-data" || c.caBits != 4096 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = parse(t, map[string]string{"NCA_CONFIG": cfg, "NCA_CA_RSA_BITS": "3072"})
	if err != nil || c.listen != "127.0.0.1:9000" || c.caBits != 3072 {
		t.Fatalf("NCA_CONFIG / NCA_CA_RSA_BITS: %+v, %v", c, err)
	}
	if c, err = parse(t, map[string]string{"NCA_TSP_PER_MINUTE": "0"}, "--ocsp-signed-per-minute", "60"); err != nil || c.tspRate != 0 || c.ocspRate != 60 {
		t.Fatalf("limits: %+v, %v", c, err)
	}
	if _, err = parse(t, map[string]string{"NCA_TSP_PER_MINUTE": "many"}); err == nil || !strings.Contains(err.Error(), "NCA_TSP_PER_MINUTE") {
		t.Fatalf("a variable that is not a number: %v", err)
	}
	if _, err = parse(t, nil, "--tsp-per-minute", "-5"); err == nil {
		t.Fatal("a negative limit was accepted")
	}
	c, err = parse(t, map[string]string{"NCA_TRUSTED_PROXIES": "10.0.0.0/24, 192.0.2.10, 2001:db8::/32"})
	if err != nil || len(c.proxies) != 3 || c.proxies[1].String() != "192.0.2.10/32" {
		t.Fatalf("NCA_TRUSTED_PROXIES: %v, %v", c.proxies, err)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown key":  "lisen: 1\n",
		"bad duration": "crl-interval: soon\n",
		"not yaml":     "listen: [\n",
		"too short":    "crl-interval: 1s\n",
		"weak CA key":  "ca-rsa-bits: 1024\n",
		"bad proxy":    "trusted-proxies: 10.0.0.0/8, balancer.internal\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := parse(t, nil, "--config", p); err == nil {
			t.Errorf("%s: accepted %q", name, body)
		}
	}
	if _, err := parse(t, nil, "--config", filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing config file was accepted")
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), nil, &out, &errb, func(string) string { return "" }); code != 2 {
		t.Errorf("no command: exit %d", code)
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errb, func(string) string { return "" }); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
	if code := run(context.Background(), []string{"serve", "--no-such-flag"}, &out, &errb, func(string) string { return "" }); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	errb.Reset()
	if code := run(context.Background(), []string{"serve", "--listen", "256.0.0.1:1"}, &out, &errb, func(string) string { return "" }); code != 1 || !strings.Contains(errb.String(), "listen") {
		t.Errorf("bad listen address: exit %d, %q", code, errb.String())
	}
}

func TestConfigDatabaseURL(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "nca.yaml")
	if err := os.WriteFile(cfg, []byte("database_url: postgres://nca@db.example/nca\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, nil, "--config", cfg)
	if err != nil || c.databaseURL != "postgres://nca@db.example/nca" {
		t.Fatalf("database_url from the file: %q, %v", c.databaseURL, err)
	}
	c, err = parse(t, map[string]string{"NCA_DATABASE_URL": "postgres://env/nca"}, "--config", cfg)
	if err != nil || c.databaseURL != "postgres://env/nca" {
		t.Fatalf("NCA_DATABASE_URL: %q, %v", c.databaseURL, err)
	}
	c, err = parse(t, nil)
	if err != nil || c.databaseURL != "" {
		t.Fatalf("default: %q, %v", c.databaseURL, err)
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opennca/nca/api"
	"github.com/opennca/nca/auth"
	"github.com/opennca/nca/ca"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/internal/clientlimit"
	"github.com/opennca/nca/kzid"
	"github.com/opennca/nca/ocsp"
	"github.com/opennca/nca/ra"
	"github.com/opennca/nca/registry"
	"github.com/opennca/nca/store"
	"github.com/opennca/nca/tsp"
	"github.com/opennca/nca/web"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gopkg.in/yaml.v3"
)

type serveConfig struct {
	config      string
	listen      string
	data        string
	registry    string
	baseURL     string
	org         string
	logLevel    string
	crlInterval time.Duration
	deltaCRL    time.Duration
	caBits      int
	databaseURL string
	keyStore    string
	lookups     int
	tspRate     int // time stamps per client and minute (clientlimit; <= 0: none)
	ocspRate    int // OCSP answers signed on demand per client and minute
	proxyList   string
	proxies     []netip.Prefix // parsed from proxyList by validate
	getenv      func(string) string
	envErrs     []error // NCA_* variables that could not be read
	notify      notifyConfig
}

func serveFlags(getenv func(string) string) (*flag.FlagSet, *serveConfig) {
	c := &serveConfig{getenv: getenv}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.config, "config", env("NCA_CONFIG", ""), "YAML configuration file whose keys are these flags' names (NCA_CONFIG); flags and NCA_* variables override it")
	fs.StringVar(&c.listen, "listen", env("NCA_LISTEN", "127.0.0.1:8080"), "address to listen on (NCA_LISTEN)")
	fs.StringVar(&c.data, "data", env("NCA_DATA", "./nca-data"), "data folder: database, CA keys and certificates, registry, operator credential (NCA_DATA)")
	fs.StringVar(&c.registry, "registry", env("NCA_REGISTRY", ""), "state registry file, JSON or CSV (NCA_REGISTRY; default: <data>/registry.json, a demo set created on first start)")
	fs.StringVar(&c.baseURL, "base-url", env("NCA_BASE_URL", ""), "public base URL written into certificates (NCA_BASE_URL; default http://<listen>)")
	fs.StringVar(&c.org, "org", env("NCA_ORG", "National Certification Authority (demo)"), "CA organisation name (NCA_ORG), used when the CAs are created")
	fs.StringVar(&c.logLevel, "log-level", env("NCA_LOG_LEVEL", "info"), "debug, info, warn or error (NCA_LOG_LEVEL)")
	crlInterval, err := time.ParseDuration(env("NCA_CRL_INTERVAL", "24h"))
	if err != nil {
		crlInterval = -1 // reported by validate
	}
	fs.DurationVar(&c.crlInterval, "crl-interval", crlInterval, "how often every full CRL is published (NCA_CRL_INTERVAL)")
	deltaCRL, err := time.ParseDuration(env("NCA_DELTA_CRL_INTERVAL", "15m"))
	if err != nil {
		deltaCRL = -1 // reported by validate
	}
	fs.DurationVar(&c.deltaCRL, "delta-crl-interval", deltaCRL, "how often every delta CRL is published; a revocation publishes one at once (NCA_DELTA_CRL_INTERVAL)")
	fs.StringVar(&c.databaseURL, "database-url", env("NCA_DATABASE_URL", ""), "PostgreSQL database URL, e.g. postgres://nca@db:5432/nca (NCA_DATABASE_URL; default: the embedded SQLite database <data>/nca.db)")
	fs.StringVar(&c.keyStore, "key-store", env("NCA_KEY_STORE", ""), "the key ceremony file (nca init) whose key_store says where the CA keys are (NCA_KEY_STORE; default: key files <data>/ca/*.key)")
	c.intFlag(fs, &c.caBits, "ca-rsa-bits", 4096, "RSA size of CA keys created on first start (NCA_CA_RSA_BITS)")
	c.intFlag(fs, &c.lookups, "registry-lookups-per-minute", 30, "public name lookups by IIN/BIN allowed per client address and minute on this node; -1: no limit, e.g. when a reverse proxy limits them (NCA_REGISTRY_LOOKUPS_PER_MINUTE)")
	c.intFlag(fs, &c.tspRate, "tsp-per-minute", 1200, "time stamps one client address may get per minute from this node (each costs a signature), in bursts of up to a tenth of that; over it: 429 with Retry-After; 0: no limit, e.g. when a reverse proxy limits them (NCA_TSP_PER_MINUTE)")
	c.intFlag(fs, &c.ocspRate, "ocsp-signed-per-minute", 1200, "OCSP answers signed on demand (requests with a nonce, certificates not in the responder's cache) one client address may get per minute from this node, in bursts of up to a tenth of that; cached answers are never limited; over it: tryLater; 0: no limit (NCA_OCSP_SIGNED_PER_MINUTE)")
	fs.StringVar(&c.proxyList, "trusted-proxies", env("NCA_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDR prefixes of the reverse proxies and load balancers in front of this node: for their requests the client is read from X-Forwarded-For (NCA_TRUSTED_PROXIES; default: none, the connection's peer is the client)")
	registerNotifyFlags(fs, &c.notify, env)
	return fs, c
}

// perClient is the limiter of perMinute requests per client address and minute, in
// bursts of up to a tenth of that (at least 10); nil, no limit, for 0.
func perClient(perMinute int) *clientlimit.Limiter {
	return clientlimit.New(perMinute, max(10, perMinute/10), time.Now)
}

// intFlag registers an int flag of c whose NCA_* variable (envName) overrides its
// default; a variable that is not a number is an error of parseServeFlags.
func (c *serveConfig) intFlag(fs *flag.FlagSet, p *int, name string, def int, usage string) {
	fs.IntVar(p, name, def, usage)
	if v := c.getenv(envName(name)); v != "" {
		if err := fs.Set(name, v); err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", envName(name), v, err))
		}
	}
}

// envName returns the environment variable of a serve flag.
func envName(flagName string) string {
	return "NCA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseServeFlags parses args into fs (serveFlags' set, with a command's own flags
// added) and then applies the configuration file (applyConfigFile). A parse error is
// errUsage (fs has printed it), -h is flag.ErrHelp.
func parseServeFlags(fs *flag.FlagSet, c *serveConfig, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if err := errors.Join(c.envErrs...); err != nil {
		return err
	}
	return applyConfigFile(fs, c, getenv)
}

// applyConfigFile sets, from the YAML file c.config, every flag that neither the
// command line nor its NCA_* variable set. Unknown keys are an error.
func applyConfigFile(fs *flag.FlagSet, c *serveConfig, getenv func(string) string) error {
	if c.config == "" {
		return nil
	}
	b, err := os.ReadFile(c.config)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		return fmt.Errorf("config %s: %w", c.config, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for k, v := range values {
		k = strings.ReplaceAll(k, "_", "-") // database_url is database-url
		f := fs.Lookup(k)
		if f == nil || k == "config" {
			return fmt.Errorf("config %s: unknown key %q (the keys are the flags of nca serve)", c.config, k)
		}
		if set[k] || getenv(envName(k)) != "" {
			continue
		}
		if err := fs.Set(k, fmt.Sprint(v)); err != nil {
			return fmt.Errorf("config %s: %s: %w", c.config, k, err)
		}
	}
	return nil
}

// validate checks the values that flag parsing cannot.
func (c *serveConfig) validate() error {
	if c.crlInterval < time.Minute {
		return fmt.Errorf("crl-interval must be at least 1m")
	}
	if c.deltaCRL < 10*time.Second || c.deltaCRL > c.crlInterval {
		return fmt.Errorf("delta-crl-interval must be at least 10s and at most crl-interval")
	}
	if c.caBits < 2048 {
		return fmt.Errorf("ca-rsa-bits must be at least 2048")
	}
	if c.notify.interval < time.Second {
		return fmt.Errorf("notify-interval must be at least 1s")
	}
	if c.tspRate < 0 || c.ocspRate < 0 {
		return fmt.Errorf("tsp-per-minute and ocsp-signed-per-minute must be 0 (no limit) or more")
	}
	p, err := api.ParseTrustedProxies(c.proxyList)
	if err != nil {
		return fmt.Errorf("trusted-proxies: %w", err)
	}
	c.proxies = p
	return nil
}

// serve runs the authority until ctx ends.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, c := serveFlags(getenv)
	fs.SetOutput(stderr)
	if err := parseServeFlags(fs, c, args, getenv); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	defer ln.Close()
	if c.baseURL == "" {
		c.baseURL = "http://" + ln.Addr().String()
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")

	a, err := assemble(ctx, c, log)
	if err != nil {
		return err
	}
	defer a.close()
	a.report(stdout, c, ln.Addr().String())

	bg, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.ra.CRLs().Run(bg)
	go expireLoop(bg, a.ra, log)
	go a.ocsp.Run(bg)
	go a.tsp.Run(bg)
	go newOutbox(c.notify, a.store, log, getenv).Run(bg, c.notify.interval)

	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return bg },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(stdout, "nca: stopped")
	return nil
}

func expireLoop(ctx context.Context, s *ra.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			log.Error("expiring applications failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// authority is the assembled server.
type authority struct {
	keys  *openedKeys
	store store.Store
	ca    *ca.Authority
	ra    *ra.Service
	api   *api.Server
	ocsp  *ocsp.Responder
	tsp   *tsp.Server
	// handler serves the API, the OCSP responder, the time-stamping service and
	// /metrics.
	handler  http.Handler
	registry *registry.File
	created  []string
	// operatorPassword is set only when the operator credential was created now.
	operatorPassword string
	operatorFile     string
}

// openStore opens the PostgreSQL database of --database-url, or else the embedded
// SQLite database in the data folder, noting in created a SQLite file made now. The
// URL is never logged or returned in errors: it may hold a password.
func openStore(ctx context.Context, c *serveConfig, log *slog.Logger, created *[]string) (store.Store, error) {
	if c.databaseURL != "" {
		return store.OpenPostgres(ctx, c.databaseURL, log)
	}
	dbPath := filepath.Join(c.data, "nca.db")
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) && created != nil {
		*created = append(*created, "database "+dbPath)
	}
	return store.OpenSQLite(ctx, dbPath, log)
}

func (a *authority) close() {
	if a.store != nil {
		_ = a.store.Close()
	}
	if a.keys != nil {
		_ = a.keys.close()
	}
}

func assemble(ctx context.Context, c *serveConfig, log *slog.Logger) (*authority, error) {
	a := &authority{}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	st, err := openStore(ctx, c, log, &a.created)
	if err != nil {
		return nil, err
	}
	a.store = st
	auth0, created, keys, err := openAuthority(c, log)
	if err != nil {
		a.close()
		return nil, err
	}
	a.keys = keys
	a.ca = auth0
	for _, n := range created {
		a.created = append(a.created, "CA "+n+" in "+filepath.Join(c.data, "ca"))
	}
	reg, err := loadRegistry(c, &a.created)
	if err != nil {
		a.close()
		return nil, err
	}
	a.registry = reg
	secret, err := tokenSecret(filepath.Join(c.data, "token.key"), &a.created)
	if err != nil {
		a.close()
		return nil, err
	}
	a.ra = ra.New(ra.Config{Store: st, Registry: reg, Signer: auth0, Logger: log,
		CRLInterval: c.crlInterval, DeltaCRLInterval: c.deltaCRL})
	au, err := auth.New(auth.Config{Store: st, Issuers: auth0, Secret: secret})
	if err != nil {
		a.close()
		return nil, err
	}
	a.api = api.New(api.Config{RA: a.ra, Auth: au, Signer: auth0, Logger: log, Portal: web.Handler(), FormSecret: secret, LookupsPerMinute: c.lookups, TrustedProxies: c.proxies})
	if err := a.operatorCredential(ctx, filepath.Join(c.data, "operator.p12")); err != nil {
		a.close()
		return nil, err
	}
	if err := a.ra.CRLs().PublishAll(ctx); err != nil {
		a.close()
		return nil, err
	}
	if err := a.statusServices(ctx, c, log); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// statusServices starts the OCSP responder and the time-stamping service (each
// limited per client as c says), mounts them beside the API with the metrics of all
// three, and wires revocations to the responder.
func (a *authority) statusServices(ctx context.Context, c *serveConfig, log *slog.Logger) error {
	reg := newRegistry()
	om, err := ocsp.NewMetrics(reg)
	if err != nil {
		return err
	}
	a.ocsp, err = ocsp.New(ctx, ocsp.Config{Store: a.store, Authority: a.ca, Logger: log, Metrics: om,
		Limit: perClient(c.ocspRate), Proxies: c.proxies,
		KeyGen: a.keys.serviceKeyGen("ocsp", ocsp.DefaultResponderValidity, time.Now)})
	if err != nil {
		return err
	}
	a.ra.OnRevoke(a.ocsp.Revoked)
	tm, err := tsp.NewMetrics(reg)
	if err != nil {
		return err
	}
	var tsaIssuers []tsp.Issuer
	for _, iss := range a.ca.Issuers() {
		if !iss.Root {
			tsaIssuers = append(tsaIssuers, tsp.Issuer{Name: iss.Name, Cert: iss.Cert})
		}
	}
	a.tsp, err = tsp.New(ctx, tsp.Config{Authority: a.ra, Issuers: tsaIssuers, Logger: log, Metrics: tm,
		Limit: perClient(c.tspRate), Proxies: c.proxies,
		KeyGen: a.keys.serviceKeyGen("tsa", tsp.DefaultValidity, time.Now)})
	if err != nil {
		return err
	}
	observe, err := crlSignTime(reg)
	if err != nil {
		return err
	}
	a.ra.CRLs().Observe(observe)
	steps, err := approvalSteps(reg)
	if err != nil {
		return err
	}
	a.ra.ObserveApprovals(steps)
	names := func() []string {
		var out []string
		for _, iss := range a.ca.Issuers() {
			out = append(out, iss.Name)
		}
		return out
	}
	if err := reg.Register(newCRLCollector(a.ra.CRLs(), names, time.Now)); err != nil {
		return err
	}
	mux := http.NewServeMux()
	a.ocsp.Register(mux)
	a.tsp.Register(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	mux.Handle("/", a.api)
	a.handler = mux
	return nil
}

func loadRegistry(c *serveConfig, created *[]string) (*registry.File, error) {
	path := c.registry
	if path == "" {
		path = filepath.Join(c.data, "registry.json")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := registry.Demo(time.Now()).WriteJSON(path); err != nil {
				return nil, fmt.Errorf("demo registry: %w", err)
			}
			*created = append(*created, "demo state registry "+path)
		}
	}
	reg, err := registry.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return reg, nil
}

// tokenSecret loads (or creates) the secret that signs sign-in tokens. Nodes of one
// deployment share it.
func tokenSecret(path string, created *[]string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(s) < 32 {
			return nil, fmt.Errorf("token secret %s: want at least 32 bytes in hex", path)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	*created = append(*created, "token secret "+path)
	return s, nil
}

// operatorCredential creates, on first start, the first registration-centre
// operator's credential (see writeStaffCredential).
func (a *authority) operatorCredential(ctx context.Context, path string) error {
	a.operatorFile = path
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	iin, ok := kzid.Complete("80010130001")
	if !ok {
		return errors.New("operator IIN: no check digit")
	}
	person := core.Applicant{IIN: iin, Surname: "ОПЕРАТОР", Name: "ЦОН", City: "Астана", Email: "operator@example.kz", Phone: "+77010000000"}
	password, err := writeStaffCredential(ctx, a.ra, a.ca, ra.SystemActor(), "operator", person, path)
	if err != nil {
		return err
	}
	a.operatorPassword = password
	a.created = append(a.created, "operator credential "+path)
	return nil
}

// report prints what the authority created and how to use it.
func (a *authority) report(w io.Writer, c *serveConfig, addr string) {
	fmt.Fprintf(w, "nca: serving on http://%s (public base URL %s)\n", addr, c.baseURL)
	fmt.Fprintf(w, "nca: portal (kk, ru, en) %s/\n", c.baseURL)
	fmt.Fprintf(w, "nca: data folder %s\n", c.data)
	if len(a.created) > 0 {
		fmt.Fprintln(w, "nca: created on this start:")
		for _, s := range a.created {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if a.operatorPassword != "" {
		fmt.Fprintf(w, "nca: operator credential %s, password (shown once, stored nowhere): %s\n", a.operatorFile, a.operatorPassword)
	}
	fmt.Fprintln(w, "nca: CA certificates and CRLs:")
	for _, iss := range a.ca.Issuers() {
		fmt.Fprintf(w, "  - %-10s %s/ca/%s.cer  %s/crl/%s.crl  %s/crl/%s-delta.crl\n", iss.Name, c.baseURL, iss.Name, c.baseURL, iss.Name, c.baseURL, iss.Name)
		if !iss.Root {
			fmt.Fprintf(w, "    %-10s OCSP %s/ocsp/%s  time stamps (RFC 3161) %s/tsp/%s\n", "", c.baseURL, iss.Name, c.baseURL, iss.Name)
		}
	}
	if cases := registry.DemoCases(a.registry); len(cases) > 0 {
		fmt.Fprintln(w, "nca: people and organisations in the registry to try:")
		for _, d := range cases {
			line := fmt.Sprintf("  - %-22s IIN %s", d.Template, d.IIN)
			if d.BIN != "" {
				line += " BIN " + d.BIN
			}
			if d.Role != "" {
				line += " role " + d.Role
			}
			line += "  " + d.Name
			if d.Note != "" {
				line += " (" + d.Note + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintln(w, "nca: try: go run ./cmd/eds help")
}

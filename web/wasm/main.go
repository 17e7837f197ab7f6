//go:build js && wasm

// Command wasm is the portal's WebAssembly module (web/static/wasm/nca.wasm): it
// exposes package webkeys to JavaScript, so that subscribers' keys are made and used
// only in the browser. web/static/js/crypto-worker.js loads it in a Web Worker and
// web/static/js/crypto.js offers it as the promise API of docs/portal-crypto.md.
//
// The module sets globalThis.ncaWasm to an object of synchronous functions, one per
// API method. Each takes one object argument and returns {ok: result} or
// {error: "a sentence for the user", code: "wrong_password"|…}; code is
// webkeys.Code of the error ("" when it is none of the user errors), so the page
// can say it in the user's language. Binary values are Uint8Array; values meant for
// the server's JSON API are base64 strings, as Go's encoding/json writes []byte.
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall/js"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/webkeys"
)

func main() {
	api := js.Global().Get("Object").New()
	for name, fn := range map[string]func(js.Value) (any, error){
		"generate":         generate,
		"open":             open,
		"install":          install,
		"signChallenge":    signChallenge,
		"signRevoke":       signRevoke,
		"signHeadDecision": signHeadDecision,
		"renew":            renew,
		"checkIIN":         checkIIN,
	} {
		api.Set(name, js.FuncOf(wrap(fn)))
	}
	js.Global().Set("ncaWasm", api)
	select {} // the functions stay callable while the worker lives
}

// env is the environment of one call: the browser's crypto.getRandomValues and clock.
func env() *webkeys.Env {
	return &webkeys.Env{Rand: rand.Reader, Now: time.Now()}
}

// wrap turns fn into a JS function returning {ok} or {error}; a panic becomes an error.
func wrap(fn func(js.Value) (any, error)) func(js.Value, []js.Value) any {
	return func(_ js.Value, args []js.Value) (out any) {
		defer func() {
			if r := recover(); r != nil {
				out = errorResult(fmt.Errorf("internal error: %v", r))
			}
		}()
		arg := js.Undefined()
		if len(args) > 0 {
			arg = args[0]
		}
		if arg.Type() != js.TypeObject {
			return errorResult(errors.New("the call needs an object argument"))
		}
		v, err := fn(arg)
		if err != nil {
			return errorResult(err)
		}
		return map[string]any{"ok": v}
	}
}

// userErrors are the errors whose own text is the message; anything else is
// introduced by a sentence saying what failed.
var userErrors = []error{
	webkeys.ErrUnknownAlgorithm, webkeys.ErrWrongPassword, webkeys.ErrNotKeyFile,
	webkeys.ErrNoKey, webkeys.ErrNoCertificate, webkeys.ErrNoMatch,
	webkeys.ErrEmptyPassword, webkeys.ErrApplicant, webkeys.ErrWrongCertificate,
	webkeys.ErrNeedAuthFile, webkeys.ErrNeedSignFile, webkeys.ErrRevoked,
}

// message makes err a sentence: capitalised, ending with a full stop.
func message(err error) string {
	msg := err.Error()
	for _, e := range userErrors {
		if errors.Is(err, e) && e != webkeys.ErrNoMatch && e != webkeys.ErrWrongCertificate {
			msg = e.Error()
			break
		}
	}
	msg = strings.TrimSpace(msg)
	if r, n := utf8.DecodeRuneInString(msg); n > 0 {
		msg = string(unicode.ToUpper(r)) + msg[n:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

func errorResult(err error) any {
	return map[string]any{"error": message(err), "code": webkeys.Code(err)}
}

// argument readers

func str(o js.Value, name string) string {
	v := o.Get(name)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

func boolean(o js.Value, name string) bool {
	v := o.Get(name)
	return v.Type() == js.TypeBoolean && v.Bool()
}

// bytesArg reads a Uint8Array (or a base64 string) argument.
func bytesArg(o js.Value, name, what string) ([]byte, error) {
	v := o.Get(name)
	if v.Type() == js.TypeString {
		b, err := base64.StdEncoding.DecodeString(v.String())
		if err != nil {
			return nil, fmt.Errorf("the %s is not valid base64", what)
		}
		return b, nil
	}
	if v.Type() != js.TypeObject || !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, fmt.Errorf("the %s is missing", what)
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b, nil
}

// fromJSON decodes a JS value as JSON into out (objects the server's API returned).
func fromJSON(v js.Value, out any, what string) error {
	if v.Type() != js.TypeObject {
		return fmt.Errorf("the %s is missing", what)
	}
	s := js.Global().Get("JSON").Call("stringify", v).String()
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("the %s is not in the server's format: %v", what, err)
	}
	return nil
}

// toJSON makes v a JS value through JSON (API-bound values: []byte become base64).
func toJSON(v any) (js.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return js.Undefined(), err
	}
	return js.Global().Get("JSON").Call("parse", string(b)), nil
}

func uint8Array(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func filesJS(files []webkeys.File) []any {
	out := make([]any, len(files))
	for i, f := range files {
		out[i] = map[string]any{"name": f.Name, "type": string(f.Type), "data": uint8Array(f.Data)}
	}
	return out
}

func keyFile(o js.Value) ([]byte, string, error) {
	data, err := bytesArg(o, "data", "key file")
	if err != nil {
		return nil, "", err
	}
	return data, str(o, "password"), nil
}

// the API methods

func generate(o js.Value) (any, error) {
	var ap core.Applicant
	if a := o.Get("applicant"); a.Type() == js.TypeObject {
		ap = core.Applicant{IIN: str(a, "iin"), Surname: str(a, "surname"), Name: str(a, "name"), Patronymic: str(a, "patronymic")}
	}
	g, err := env().Generate(str(o, "alg"), str(o, "password"), ap)
	if err != nil {
		return nil, err
	}
	reqs, err := toJSON(g.Requests)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": g.ID, "files": filesJS(g.Files), "requests": reqs}, nil
}

func open(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	opened, err := webkeys.Open(data, password)
	if err != nil {
		return nil, err
	}
	return toJSON(opened)
}

func install(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	var certs []wire.IssuedCertificate
	if err := fromJSON(o.Get("certificates"), &certs, "list of certificates"); err != nil {
		return nil, err
	}
	out, installed, err := env().Install(data, password, certs)
	if err != nil {
		return nil, err
	}
	serials := make([]any, len(installed))
	for i, s := range installed {
		serials[i] = s
	}
	return map[string]any{"data": uint8Array(out), "installed": serials}, nil
}

func signChallenge(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	challenge, err := bytesArg(o, "challenge", "sign-in challenge")
	if err != nil {
		return nil, err
	}
	cert, sig, err := env().SignChallengeFile(data, password, challenge)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"certificate": base64.StdEncoding.EncodeToString(cert),
		"signature":   base64.StdEncoding.EncodeToString(sig),
	}, nil
}

func signRevoke(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	req, err := env().SignRevoke(data, password, str(o, "serial"), str(o, "reason"))
	if err != nil {
		return nil, err
	}
	return toJSON(req)
}

func signHeadDecision(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	var a core.Application
	if err := fromJSON(o.Get("application"), &a, "application"); err != nil {
		return nil, err
	}
	req, err := env().SignHeadDecision(data, password, &a, boolean(o, "confirm"), str(o, "reason"))
	if err != nil {
		return nil, err
	}
	return toJSON(req)
}

func renew(o js.Value) (any, error) {
	data, password, err := keyFile(o)
	if err != nil {
		return nil, err
	}
	alg := str(o, "alg")
	if alg == "" {
		alg = webkeys.AlgRSA2048
	}
	rn, err := env().Renew(data, password, str(o, "serial"), alg, boolean(o, "revokeOld"))
	if err != nil {
		return nil, err
	}
	body, err := toJSON(rn.Body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": rn.ID, "files": filesJS(rn.Files), "body": body}, nil
}

func checkIIN(o js.Value) (any, error) {
	return toJSON(webkeys.CheckIIN(str(o, "iin"), time.Now()))
}

package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// passwordEnv is the environment variable a password may come from.
const passwordEnv = "EDS_PASSWORD"

// errNoTerminal: a password prompt was needed but standard input is not a terminal.
var errNoTerminal = errors.New("standard input is not a terminal")

// password returns the key file password: the first line of file when file is set,
// else $EDS_PASSWORD, else what the user types at the terminal (twice when confirm).
// An empty password is refused: there is no built-in default.
func (a *app) password(file string, confirm bool) (string, error) {
	var pw string
	switch {
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the password file: %w", err)
		}
		pw, _, _ = strings.Cut(string(data), "\n")
		pw = strings.TrimSuffix(pw, "\r")
		if pw == "" {
			return "", fmt.Errorf("the password file %s is empty: the key files need a password", file)
		}
	case a.env(passwordEnv) != "":
		pw = a.env(passwordEnv)
	default:
		var err error
		pw, err = a.readPassword("Key file password: ")
		if errors.Is(err, errNoTerminal) {
			return "", fmt.Errorf("a password is needed: give --password-file FILE or set %s (there is no terminal to ask)", passwordEnv)
		}
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if pw == "" {
			return "", errors.New("the password must not be empty: the key files are protected by it")
		}
		if confirm {
			again, err := a.readPassword("Repeat the password: ")
			if err != nil {
				return "", fmt.Errorf("reading the password: %w", err)
			}
			if again != pw {
				return "", errors.New("the two passwords differ; nothing was written")
			}
		}
	}
	if pw == "" {
		return "", errors.New("the password must not be empty: the key files are protected by it")
	}
	return pw, nil
}

// terminalPassword prompts on stderr and reads a line from the terminal on stdin
// without echo.
func (a *app) terminalPassword(prompt string) (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errNoTerminal
	}
	fmt.Fprint(a.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

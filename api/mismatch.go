package api

import (
	"slices"
	"strings"
)

// Registry mismatch fields: the names the portal translates (field.<name> and
// mismatch.<name>). They name what differs, never the registry's values.
const (
	MismatchIIN          = "iin"          // the IIN is not in the registry of individuals
	MismatchDeceased     = "deceased"     // the registry does not allow certificates for the IIN
	MismatchSurname      = "surname"      // the surname differs from the registry
	MismatchName         = "name"         // the name differs
	MismatchPatronymic   = "patronymic"   // the patronymic differs
	MismatchBIN          = "bin"          // the BIN is not in the registry of legal entities
	MismatchOrganization = "organization" // the organisation's name differs
	MismatchEmployee     = "employee"     // the IIN is not an employee of the BIN
	MismatchRole         = "role"         // the role differs
)

// mismatchField names the field a registry mismatch of ra (one of the sentences
// ra lists in its refusal detail and in the desk's registry facts) is about, or ""
// when the sentence is of no known shape.
func mismatchField(m string) string {
	m = strings.TrimSpace(m)
	switch {
	case strings.HasPrefix(m, "IIN ") && strings.Contains(m, "not in the state registry"):
		return MismatchIIN
	case strings.Contains(m, "does not allow certificates"):
		return MismatchDeceased
	case strings.HasPrefix(m, "IIN ") && strings.Contains(m, "not an employee"):
		return MismatchEmployee
	case strings.HasPrefix(m, "BIN "):
		return MismatchBIN
	}
	for _, f := range []struct{ prefix, field string }{
		{"surname ", MismatchSurname}, {"name ", MismatchName}, {"patronymic ", MismatchPatronymic},
		{"organisation ", MismatchOrganization}, {"role ", MismatchRole},
	} {
		if strings.HasPrefix(m, f.prefix) && strings.HasSuffix(m, "differs from the registry") {
			return f.field
		}
	}
	return ""
}

// mismatchFields names the fields of mismatches, in order, each once; unknown
// sentences are left out.
func mismatchFields(mismatches []string) []string {
	var out []string
	for _, m := range mismatches {
		if f := mismatchField(m); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// mismatchesOf splits the detail of a registry refusal (ra.ErrRegistryMismatch)
// into its sentences.
func mismatchesOf(detail string) []string {
	_, list, ok := strings.Cut(detail, ": ")
	if !ok {
		return nil
	}
	return strings.Split(list, "; ")
}

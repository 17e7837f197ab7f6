package api

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
)

type openapiDoc struct {
	OpenAPI    string                               `yaml:"openapi"`
	Paths      map[string]map[string]map[string]any `yaml:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]any `yaml:"properties"`
			Required   []string       `yaml:"required"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

func loadOpenAPI(t *testing.T) openapiDoc {
	t.Helper()
	var doc openapiDoc
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIRoutes keeps openapi.yaml and the served routes the same set.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s := New(Config{})
	served := map[string]bool{}
	for _, r := range s.Routes() {
		key := strings.ToLower(r.Method) + " " + r.Pattern
		served[key] = true
		if _, ok := doc.Paths[r.Pattern][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is served but not documented in openapi.yaml", r.Method, r.Pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !served[method+" "+path] {
				t.Errorf("openapi.yaml documents %s %s, which the server does not serve", strings.ToUpper(method), path)
			}
		}
	}
}

// TestOpenAPISchemas keeps each documented schema's properties equal to the JSON
// fields of the Go type that goes over the wire.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"Problem":              wire.Problem{},
		"Applicant":            core.Applicant{},
		"KeyRequest":           wire.KeyRequest{},
		"SubmitRequest":        wire.SubmitRequest{},
		"SubmitResponse":       wire.SubmitResponse{},
		"Document":             wire.Document{},
		"Event":                wire.HistoryEvent{},
		"Status":               wire.Status{},
		"IssuedCertificate":    wire.IssuedCertificate{},
		"CertificatesResponse": wire.CertificatesResponse{},
		"TemplatesResponse":    wire.TemplatesResponse{},
		"ChallengeResponse":    wire.ChallengeResponse{},
		"TokenRequest":         wire.TokenRequest{},
		"TokenResponse":        wire.TokenResponse{},
		"Application":          core.Application{},
		"DeskList":             wire.DeskList{},
		"DeskApplication":      wire.DeskApplication{},
		"AcceptRequest":        wire.AcceptRequest{},
		"Receipt":              wire.Receipt{},
		"DecisionRequest":      wire.DecisionRequest{},
		"ApproveResponse":      wire.ApproveResponse{},
		"RevokeRequest":        wire.RevokeRequest{},
		"RevokeResponse":       wire.RevokeResponse{},
		"SignedRequest":        wire.SignedRequest{},
		"RenewRequest":         wire.RenewRequest{},
		"RenewResponse":        wire.RenewResponse{},
		"CabinetCertificate":   wire.CabinetCertificate{},
		"OwnerRequest":         wire.OwnerRequest{},
		"Cabinet":              wire.Cabinet{},
		"PersonLookup":         wire.PersonLookup{},
		"OrganizationLookup":   wire.OrganizationLookup{},
	}
	for name, v := range types {
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing from openapi.yaml", name)
			continue
		}
		var documented []string
		for p := range schema.Properties {
			documented = append(documented, p)
		}
		sort.Strings(documented)
		want := jsonFields(reflect.TypeOf(v))
		if !reflect.DeepEqual(documented, want) {
			t.Errorf("schema %s documents %v, the Go type %T has %v", name, documented, v, want)
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !t.Field(i).IsExported() {
			continue
		}
		if name == "" && t.Field(i).Anonymous && t.Field(i).Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(t.Field(i).Type)...) // promoted fields
			continue
		}
		if name == "" {
			name = t.Field(i).Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

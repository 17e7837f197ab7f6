// Package registry is the authority's view of the state databases "Individuals" and
// "Legal entities" (SPEC §3 step 3). The workflow asks it who holds an IIN or BIN; the
// built-in implementation reads a documented JSON or CSV file.
package registry

import (
	"context"
	"time"
)

// Person is an entry of the "Individuals" database.
type Person struct {
	IIN        string    `json:"iin"`
	Surname    string    `json:"surname"`
	Name       string    `json:"name"`
	Patronymic string    `json:"patronymic,omitempty"`
	BirthDate  time.Time `json:"birth_date"`
	Deceased   bool      `json:"deceased,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Email      string    `json:"email,omitempty"`
}

// Employee is a person's place in an organisation.
type Employee struct {
	IIN string `json:"iin"`
	// Role is one of the profile roles: first_head, signing_right, financial_signing,
	// hr, employee.
	Role string `json:"role"`
}

// Organization is an entry of the "Legal entities" database.
type Organization struct {
	BIN       string     `json:"bin"`
	Name      string     `json:"name"`
	HeadIIN   string     `json:"head_iin"`
	Employees []Employee `json:"employees,omitempty"`
	// HRMayConfirm allows employees with the HR role to confirm applications.
	HRMayConfirm bool `json:"hr_may_confirm,omitempty"`
}

// Registry answers identity questions. Both methods return an error wrapping
// core.ErrNotFound when the number is not registered.
type Registry interface {
	Person(ctx context.Context, iin string) (*Person, error)
	Organization(ctx context.Context, bin string) (*Organization, error)
}

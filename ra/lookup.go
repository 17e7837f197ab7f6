package ra

import (
	"context"
	"errors"
	"fmt"

	"github.com/opennca/nca/core"
	"github.com/opennca/nca/kzid"
)

// LookupPerson returns the state registry's record of an IIN and the person's age
// today, for an application form to fill in the name. The IIN is checked first (a
// KindInvalid error says what is wrong with it); an IIN the registry does not hold is
// a KindNotFound error. The record carries no contact data.
func (s *Service) LookupPerson(ctx context.Context, iin string) (*RegistryPerson, int, error) {
	id, err := kzid.ParseIIN(iin)
	if err != nil {
		return nil, 0, core.Wrap(core.KindInvalid, err, "invalid IIN: "+err.Error())
	}
	p, err := s.registry.Person(ctx, id.Number)
	if errors.Is(err, core.ErrNotFound) {
		return nil, 0, core.Errorf(core.KindNotFound, "IIN %s is not in the state registry of individuals", id.Number)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("ra: registry: %w", err)
	}
	return &RegistryPerson{IIN: p.IIN, Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, BirthDate: p.BirthDate, Deceased: p.Deceased},
		id.AgeOn(s.now().In(s.loc)), nil
}

// LookupOrganization returns the state registry's record of a BIN: its number and
// name only (not its head or employees). Errors are as for LookupPerson.
func (s *Service) LookupOrganization(ctx context.Context, bin string) (*RegistryOrganization, error) {
	b, err := kzid.ParseBIN(bin)
	if err != nil {
		return nil, core.Wrap(core.KindInvalid, err, "invalid BIN: "+err.Error())
	}
	o, err := s.registry.Organization(ctx, b.Number)
	if errors.Is(err, core.ErrNotFound) {
		return nil, core.Errorf(core.KindNotFound, "BIN %s is not in the state registry of legal entities", b.Number)
	}
	if err != nil {
		return nil, fmt.Errorf("ra: registry: %w", err)
	}
	return &RegistryOrganization{BIN: o.BIN, Name: o.Name}, nil
}

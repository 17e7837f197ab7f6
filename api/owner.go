package api

import (
	"net/http"

	"github.com/opennca/nca/api/wire"
	"github.com/opennca/nca/core"
	"github.com/opennca/nca/ra"
)

// Owner endpoints: the cabinet (token), and the actions proven by signature (token
// and a request signed with the owner's SIGN certificate; see docs/owner.md).

func signed(w wire.SignedRequest) ra.SignedRequest {
	return ra.SignedRequest{Payload: w.Payload, Signature: w.Signature, Algorithm: w.Algorithm, Certificate: w.Certificate}
}

func cabinetCerts(cs []*core.Certificate) []wire.CabinetCertificate {
	out := make([]wire.CabinetCertificate, 0, len(cs))
	for _, c := range cs {
		out = append(out, wire.CabinetCertificate{
			Serial: c.Serial, Issuer: c.Issuer, Type: c.Type, Template: c.Template, IIN: c.IIN, BIN: c.BIN,
			Subject: c.Subject, Application: c.Application, NotBefore: c.NotBefore, NotAfter: c.NotAfter,
			Status: c.Status, RevokedAt: c.RevokedAt, Reason: c.Reason, DER: c.DER,
		})
	}
	return out
}

func (s *Server) cabinet(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	c, err := s.ra.Cabinet(r.Context(), actor)
	if err != nil {
		return err
	}
	out := wire.Cabinet{IIN: c.IIN, Certificates: cabinetCerts(c.Certificates), Applications: []wire.Status{}, Requests: []wire.OwnerRequest{}}
	if len(c.Employees) > 0 {
		out.Employees = cabinetCerts(c.Employees)
	}
	for _, v := range c.Applications {
		out.Applications = append(out.Applications, statusOf(v))
	}
	for _, q := range c.Requests {
		out.Requests = append(out.Requests, wire.OwnerRequest{Action: q.Action, Object: q.Object, SignerIIN: q.SignerIIN, OwnerIIN: q.OwnerIIN,
			Signer: q.Issuer + "/" + q.Serial, At: q.At, Result: q.Result})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) ownerRevoke(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.SignedRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	c, err := s.ra.OwnerRevoke(r.Context(), actor, r.PathValue("serial"), signed(req))
	if err != nil {
		return err
	}
	ics := issued([]ra.IssuedCertificate{{Certificate: c}})
	return writeJSON(w, http.StatusOK, wire.RevokeResponse{Certificate: ics[0]})
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.signedIn(r)
	if err != nil {
		return err
	}
	var req wire.RenewRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	in := ra.RenewInput{Signed: signed(req.Signed)}
	for _, k := range req.Requests {
		in.Requests = append(in.Requests, core.KeyRequest{Type: k.Type, CSR: k.CSR})
	}
	a, certs, err := s.ra.Renew(r.Context(), actor, in)
	if err != nil {
		return err
	}
	v, err := s.ra.Status(r.Context(), a.Number)
	if err != nil {
		return err
	}
	w.Header().Set("Location", wire.PathApplication+a.Number)
	return writeJSON(w, http.StatusCreated, wire.RenewResponse{Status: statusOf(v), Certificates: issued(certs)})
}

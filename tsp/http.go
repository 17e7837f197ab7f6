package tsp

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// MaxRequestBytes bounds a request body (a TimeStampReq is about a hundred bytes).
const MaxRequestBytes = 4 << 10

// Register mounts the service on mux (RFC 3161 §3.4):
//
//	POST /tsp        the TSA chosen by the request's policy (GOST or SHA-256)
//	POST /tsp/{ca}   the TSA of one issuing CA
//
// The body is application/timestamp-query; the answer application/timestamp-reply,
// also for a refused request (its status says why). A body of another media type
// gets 415, one over MaxRequestBytes 413: those are not time-stamp requests. A client
// over its limit (Config.Limit) gets 429 with Retry-After, before anything is signed.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /tsp", s.post)
	mux.HandleFunc("POST /tsp/{ca}", s.post)
}

func (s *Server) post(w http.ResponseWriter, req *http.Request) {
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/timestamp-query" {
		s.m.request(req.PathValue("ca"), "rejected")
		http.Error(w, "the body must be application/timestamp-query (RFC 3161)", http.StatusUnsupportedMediaType)
		return
	}
	if secs, ok := s.cfg.Limit.Allow(s.cfg.Proxies.ClientHost(req)); !ok {
		s.m.request(req.PathValue("ca"), "limited")
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		http.Error(w, "too many time-stamp requests from this address: try again in "+strconv.Itoa(secs)+" s", http.StatusTooManyRequests)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.m.request(req.PathValue("ca"), "rejected")
			http.Error(w, "a time-stamp request is at most "+strconv.Itoa(MaxRequestBytes)+" bytes", http.StatusRequestEntityTooLarge)
		}
		return // otherwise the client went away
	}
	ans := s.Stamp(req.Context(), req.PathValue("ca"), body)
	h := w.Header()
	h.Set("Content-Type", "application/timestamp-reply")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(ans.DER)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ans.DER)
}

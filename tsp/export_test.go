package tsp

import "context"

// RotateDue runs one rotation check now (Run does it every minute).
func (s *Server) RotateDue(ctx context.Context) { s.rotateDue(ctx) }

package admin

import "context"

// payments returns a reservation's payments for its timeline. The payments table belongs to
// the Mercado Pago work and has not landed yet, so there is nothing to read.
func (s *Server) payments(_ context.Context, _ string) ([]TimelineEntry, error) {
	return nil, nil
}

package mockpodio

// BodyBytesInFlight returns the request body bytes s holds reserved
// against MaxBodyBytesInFlight.
func BodyBytesInFlight(s *Server) int64 { return s.bodies.InUse() }

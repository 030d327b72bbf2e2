package inspector

// SetPageBytes sets the bytes of JSON one /api/deliveries answer, and the
// page, may carry.
func SetPageBytes(s *Server, n int) { s.maxPageBytes = n }

package relay

// DefaultMaxBodyBytesInFlight bounds the request body bytes a [Handler]
// holds at once, across every request it is reading or forwarding, when
// [Config.MaxBodyBytesInFlight] is zero: eight bodies of the 8 MiB a
// single request may carry, or some hundred thousand of Podio's own few
// hundred bytes.
const DefaultMaxBodyBytesInFlight = 64 << 20

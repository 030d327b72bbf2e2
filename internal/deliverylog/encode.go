package deliverylog

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends r's JSON form to b: the bytes json.Marshal(r) gives,
// built without reflection, since the log writes one record per delivery
// (see scripts/bench). A record json.Marshal cannot encode (a time outside
// years 0-9999, a non-finite latency) gets its error.
func AppendJSON(b []byte, r Record) ([]byte, error) {
	if y := r.Time.Year(); y < 0 || y > 9999 || math.IsNaN(r.LatencyMS) || math.IsInf(r.LatencyMS, 0) {
		line, err := json.Marshal(r)
		return append(b, line...), err
	}
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"time":"`...)
	b = r.Time.AppendFormat(b, "2006-01-02T15:04:05.999999999Z07:00")
	b = append(b, `","source":`...)
	b = appendString(b, r.Source)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(r.Kind))
	if r.Type != "" {
		b = append(b, `,"type":`...)
		b = appendString(b, r.Type)
	}
	if r.HookID != 0 {
		b = append(b, `,"hook_id":`...)
		b = strconv.AppendInt(b, r.HookID, 10)
	}
	if len(r.IDs) > 0 {
		b = append(b, `,"ids":[`...)
		for i, id := range r.IDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	if r.Outcome != "" {
		b = append(b, `,"outcome":`...)
		b = appendString(b, string(r.Outcome))
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.Acked {
		b = append(b, `,"acked":true`...)
	}
	b = append(b, `,"latency_ms":`...)
	b = appendFloat(b, r.LatencyMS)
	b = appendOptString(b, `,"error":`, r.Error)
	b = appendOptString(b, `,"warning":`, r.Warning)
	b = appendOptString(b, `,"target":`, r.Target)
	b = appendOptString(b, `,"replay_of":`, r.ReplayOf)

	q := r.Request
	b = append(b, `,"request":{"method":`...)
	b = appendString(b, q.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, q.Path)
	b = appendOptString(b, `,"query":`, q.Query)
	b = appendOptString(b, `,"remote_addr":`, q.RemoteAddr)
	b = appendHeader(b, q.Header)
	b = appendBytes(b, q.Body)
	if q.BodySize != 0 {
		b = append(b, `,"body_size":`...)
		b = strconv.AppendInt(b, q.BodySize, 10)
	}
	b = appendOptString(b, `,"body_sha256":`, q.BodySHA256)
	if q.BodyTruncated {
		b = append(b, `,"body_truncated":true`...)
	}

	p := r.Response
	b = append(b, `},"response":{"status":`...)
	b = strconv.AppendInt(b, int64(p.Status), 10)
	b = appendHeader(b, p.Header)
	b = appendBytes(b, p.Body)
	if p.BodyTruncated {
		b = append(b, `,"body_truncated":true`...)
	}
	return append(b, "}}"...), nil
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

// appendHeader appends `,"header":{...}` with the keys sorted, as
// encoding/json orders a map; nothing for an empty header (omitempty).
func appendHeader(b []byte, h http.Header) []byte {
	if len(h) == 0 {
		return b
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, `,"header":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendBytes appends `,"body":"<base64>"`, nothing for an empty body
// (omitempty).
func appendBytes(b []byte, body []byte) []byte {
	if len(body) == 0 {
		return b
	}
	b = append(b, `,"body":"`...)
	b = base64.StdEncoding.AppendEncode(b, body)
	return append(b, '"')
}

// appendFloat appends f as encoding/json writes a float64: the shortest
// decimal, in exponent form (with at least two exponent digits dropped to
// one) below 1e-6 and from 1e21.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		n := len(b)
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// "1e-07" -> "1e-7", as encoding/json shortens it.
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendString appends s quoted as encoding/json quotes it. Printable
// ASCII other than the quote, backslash and HTML's <, > and & is copied;
// anything else takes encoding/json's own path, so its escapes (\u003c,
// \ufffd for invalid UTF-8, \u2028) stay exactly its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

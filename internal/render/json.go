package render

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// JSON renders v (a delivery record) as one JSON object for --json
// output, without a trailing newline. Its request and
// response bodies, which encoding/json would write as base64, are text in
// "body" when they are valid UTF-8, as form bodies always are; any other
// body is in "body_base64". HTML characters are not escaped.
func JSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("readable JSON: %w", err)
	}
	for _, part := range []string{"request", "response"} {
		m, ok := obj[part].(map[string]any)
		if !ok {
			continue
		}
		s, ok := m["body"].(string)
		if !ok {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("readable JSON: %s body: %w", part, err)
		}
		delete(m, "body")
		text, b64 := Body(raw)
		if b64 == "" {
			m["body"] = text
		} else {
			m["body_base64"] = b64
		}
	}
	return Encode(obj)
}

// Body is how --json output shows a request or response body: as text
// when it is valid UTF-8, as Podio's form bodies always are; any other
// body as base64, in b64.
func Body(b []byte) (text, b64 string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return "", base64.StdEncoding.EncodeToString(b)
}

// Encode renders v as one line of JSON without the trailing newline, HTML
// characters not escaped.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

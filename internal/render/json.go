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
		if utf8.Valid(raw) {
			m["body"] = string(raw)
		} else {
			delete(m, "body")
			m["body_base64"] = s
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

package deliverylog

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// full is a record with every field set.
func full() Record {
	return Record{
		ID: "k3f9a2-17", Time: time.Date(2026, 11, 30, 16, 8, 7, 123456789, time.FixedZone("x", 3600)),
		Source: "mock", Kind: KindDelivery, Type: "item.create", HookID: 42,
		IDs: []string{"item_id=1", "item_revision_id=2"}, Outcome: OutcomeDelivered, Status: 200,
		Acked: true, LatencyMS: 1.25, Error: "e", Warning: "w", Target: "http://127.0.0.1:1/hook",
		ReplayOf: "abc-1",
		Request: Request{Method: "POST", Path: "/hook", Query: "a=b", RemoteAddr: "127.0.0.1:5",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "A": {"1", "2"}, "Nil": nil, "Empty": {}},
			Body:   []byte("type=item.create&item_id=1"), BodySize: 99, BodySHA256: "ab", BodyTruncated: true},
		Response: Response{Status: 502, Header: http.Header{"X": {"y"}}, Body: []byte("no"), BodyTruncated: true},
	}
}

func TestAppendJSONIsJSONMarshal(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Record)
	}{
		{"zero", func(r *Record) { *r = Record{} }},
		{"full", func(*Record) {}},
		{"utc time", func(r *Record) { r.Time = r.Time.UTC() }},
		{"whole second", func(r *Record) { r.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }},
		{"html and quotes", func(r *Record) { r.Error = `<a href="x">&amp;</a> \ done` }},
		{"control characters", func(r *Record) { r.Warning = "tab\there\nnew\x00\x1b[31m\r\b\f" }},
		{"invalid utf-8", func(r *Record) { r.Request.Path = "/\xff\xfe/ok" }},
		{"line separators", func(r *Record) { r.Target = "a\u2028b\u2029c é 😀" }},
		{"header key escapes", func(r *Record) { r.Response.Header = http.Header{"<K>": {"v\"1"}} }},
		{"tiny latency", func(r *Record) { r.LatencyMS = 1e-7 }},
		{"huge latency", func(r *Record) { r.LatencyMS = 1e21 }},
		{"negative latency", func(r *Record) { r.LatencyMS = -0.5 }},
		{"latency exponent 3 digits", func(r *Record) { r.LatencyMS = 1.5e-300 }},
		{"empty slices", func(r *Record) { r.IDs = []string{}; r.Request.Body = []byte{}; r.Response.Header = http.Header{} }},
		{"big body", func(r *Record) { r.Request.Body = []byte(strings.Repeat("\x00\xffab", 5000)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := full()
			tt.edit(&r)
			checkAppendJSON(t, r)
		})
	}
}

func TestAppendJSONErrorsAsJSONMarshal(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Record)
	}{
		{"year 10000", func(r *Record) { r.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"NaN latency", func(r *Record) { r.LatencyMS = math.NaN() }},
		{"infinite latency", func(r *Record) { r.LatencyMS = math.Inf(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := full()
			tt.edit(&r)
			if _, err := json.Marshal(r); err == nil {
				t.Fatal("json.Marshal encodes it; the case tests nothing")
			}
			if _, err := AppendJSON(nil, r); err == nil {
				t.Error("AppendJSON encoded a record json.Marshal refuses")
			}
		})
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("k-1", "item.create", "/hook", "x=<1>", "Content-Type", "a\x00b", []byte("body"), 1.5, int64(3), 200)
	f.Add("", "", "", "", "", "", []byte(nil), 0.0, int64(0), 0)
	f.Add("\xff", "\u2028", "é", "&", "K", "\x7f", []byte{0, 1}, 1e-9, int64(-1), -3)
	f.Fuzz(func(t *testing.T, id, typ, path, query, hkey, hval string, body []byte, latency float64, hook int64, status int) {
		r := full()
		r.ID, r.Type, r.Request.Path, r.Request.Query = id, typ, path, query
		r.Request.Header = http.Header{hkey: {hval}}
		r.Request.Body, r.LatencyMS, r.HookID, r.Status = body, latency, hook, status
		if _, err := json.Marshal(r); err != nil {
			return
		}
		checkAppendJSON(t, r)
	})
}

func checkAppendJSON(t *testing.T, r Record) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendJSON([]byte("prefix"), r)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("prefix"+string(want), string(got)); diff != "" {
		t.Errorf("AppendJSON differs from json.Marshal (-want +got):\n%s", diff)
	}
}

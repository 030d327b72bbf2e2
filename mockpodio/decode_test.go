package mockpodio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// expandIDs replaces each {name} in s by ids[name].
func expandIDs(s string, ids map[string]int64) string {
	for k, v := range ids {
		s = strings.ReplaceAll(s, "{"+k+"}", itoa(v))
	}
	return s
}

// checkDecoded decodes raw into a new value of want's type and compares.
func checkDecoded(t *testing.T, raw string, want any) {
	t.Helper()
	got := reflect.New(reflect.TypeOf(want))
	if err := json.Unmarshal([]byte(raw), got.Interface()); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	if diff := cmp.Diff(want, got.Elem().Interface()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// checkDecodedValue compares two values already decoded.
func checkDecodedValue(t *testing.T, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }

// getRaw fetches url with no Authorization header and returns the status
// and the body as it is.
func getRaw(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

package mockpodio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
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

// newHandlerReceiver is a webhook receiver that validates hook.verify
// from inside the request and calls handle with the form of every event
// of type typ, after answering it, as a handler doing work asynchronously
// would.
func newHandlerReceiver(t *testing.T, s *mockpodio.Server, token, typ string, handle func(map[string]string)) *recorder {
	t.Helper()
	inner := newRecorder(t, s, token)
	rc := &recorder{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if form.Get("type") == fixtures.VerifyEvent {
			// Let the plain recorder validate it.
			req, _ := http.NewRequestWithContext(r.Context(), "POST", inner.URL()+r.URL.Path, strings.NewReader(string(raw)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusOK)
		if form.Get("type") == typ {
			m := map[string]string{}
			for k := range form {
				m[k] = form.Get(k)
			}
			go handle(m)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
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

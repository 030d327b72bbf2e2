package mockpodio

import (
	"net/url"
	"testing"
)

// urlPath is what Record took before hookPath: url.Parse's escaped path.
func urlPath(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.EscapedPath() != "" {
		return u.EscapedPath()
	}
	return "/"
}

func TestHookPath(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://127.0.0.1:8080/hook", "/hook"},
		{"https://example.com/a/b?x=1#f", "/a/b"},
		{"http://example.com", "/"},
		{"http://example.com?x=/y", "/"},
		{"http://example.com/p%20q", "/p%20q"},
		{"http://example.com/a b", "/a%20b"},
		{"http://example.com/ümlaut", "/%C3%BCmlaut"},
		{"http://[::1]:80/v6", "/v6"},
		{"http://user:pw@host/x", "/x"},
		{"http://ho st/x", "/"},
		{"ftp://host/file", "/file"},
		{"not a url", "not%20a%20url"},
		{"http://host:/x", "/x"},
	}
	for _, tt := range tests {
		if got := hookPath(tt.url); got != tt.want || got != urlPath(tt.url) {
			t.Errorf("hookPath(%q) = %q, want %q (url.Parse gives %q)", tt.url, got, tt.want, urlPath(tt.url))
		}
	}
}

func FuzzHookPath(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8080/hook", "a.b/c;d=e@f", "h/%41", "h:1/!", "a/b?c#d"} {
		f.Add(true, s)
		f.Add(false, s)
	}
	f.Fuzz(func(t *testing.T, https bool, rest string) {
		raw := "http://" + rest // the fast path's input, mutated
		if https {
			raw = "https://" + rest
		}
		if got, want := hookPath(raw), urlPath(raw); got != want {
			t.Errorf("hookPath(%q) = %q, url.Parse gives %q", raw, got, want)
		}
	})
}

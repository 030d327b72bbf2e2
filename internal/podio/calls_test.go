package podio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A fixture item in the shape of andreas/podio-go's
// fixtures/item_225607452.json (podio-api.md §5.1).
const itemFixture = `{"item_id":225607452,"app_item_id":1,"app_item_id_formatted":"1","revision":0,"external_id":null,
 "title":"Title","link":"https://podio.com/x/items/1","created_on":"2014-12-10 15:25:32",
 "app":{"app_id":10421272,"name":"AllFields","item_name":"Merge","status":"active","space_id":2720177},
 "created_by":{"type":"app","id":10421272,"name":"AllFields"},
 "current_revision":{"item_revision_id":435866440,"revision":0,"created_on":"2014-12-10 15:25:32"},
 "fields":[{"field_id":80608093,"external_id":"title","label":"Title","type":"text","values":[{"value":"Title"}]}]}`

const itemFixtureFields = `[{"field_id":80608093,"external_id":"title","label":"Title","type":"text","values":[{"value":"Title"}]}]`

func TestCalls(t *testing.T) {
	noContent := reply{status: http.StatusNoContent}
	tests := []struct {
		name    string
		call    func(ctx context.Context, c *Client) (any, error)
		reply   reply
		want    gotRequest
		wantOut any
	}{
		{
			name: "create hook on an app",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateHook(ctx, "app", 42, "https://example.com/h", "item.create")
			},
			reply:   jsonReply(http.StatusOK, `{"hook_id":7}`),
			want:    apiRequest(t, "POST", "/hook/app/42/", "", "tok1", `{"url":"https://example.com/h","type":"item.create"}`),
			wantOut: int64(7),
		},
		{
			name: "create hook on a space",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateHook(ctx, "space", 9, "https://example.com/s", "task.create")
			},
			reply:   jsonReply(http.StatusCreated, `{"hook_id":8}`),
			want:    apiRequest(t, "POST", "/hook/space/9/", "", "tok1", `{"url":"https://example.com/s","type":"task.create"}`),
			wantOut: int64(8),
		},
		{
			name: "list hooks",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListHooks(ctx, "app", 42)
			},
			reply: jsonReply(http.StatusOK, `[
				{"hook_id":7,"status":"inactive","type":"item.create","url":"https://example.com/h",
				 "created_on":"2026-11-25 10:00:00","created_by":{"type":"app","id":42,"name":"A"},
				 "created_via":{"id":1,"name":"devhook","url":null,"display":false}},
				{"hook_id":8,"status":"active","type":"item.update","url":"https://example.com/u",
				 "created_on":"2026-11-25 10:05:30"}]`),
			want: apiRequest(t, "GET", "/hook/app/42/", "", "tok1", ""),
			wantOut: []Hook{
				{HookID: 7, Status: HookInactive, Type: "item.create", URL: "https://example.com/h", CreatedOn: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
				{HookID: 8, Status: HookActive, Type: "item.update", URL: "https://example.com/u", CreatedOn: time.Date(2026, 11, 25, 10, 5, 30, 0, time.UTC)},
			},
		},
		{
			name: "list hooks, none",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListHooks(ctx, "app_field", 80608093)
			},
			reply:   jsonReply(http.StatusOK, `[]`),
			want:    apiRequest(t, "GET", "/hook/app_field/80608093/", "", "tok1", ""),
			wantOut: []Hook{},
		},
		{
			name: "delete hook, 204",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteHook(ctx, 7)
			},
			reply: noContent,
			want:  apiRequest(t, "DELETE", "/hook/7", "", "tok1", ""),
		},
		{
			name: "delete hook, 200 with a JSON body",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteHook(ctx, 7)
			},
			reply: jsonReply(http.StatusOK, `{}`),
			want:  apiRequest(t, "DELETE", "/hook/7", "", "tok1", ""),
		},
		{
			name: "request verification: no body, no content type",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.RequestVerification(ctx, 7)
			},
			reply: noContent,
			want:  apiRequest(t, "POST", "/hook/7/verify/request", "", "tok1", ""),
		},
		{
			name: "validate hook",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.ValidateHook(ctx, 7, "abc")
			},
			reply: noContent,
			want:  apiRequest(t, "POST", "/hook/7/verify/validate", "", "tok1", `{"code":"abc"}`),
		},
		{
			name: "create item",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateItem(ctx, 10421272, map[string]any{"title": "Title", "amount": 3}, WriteOptions{})
			},
			reply: jsonReply(http.StatusOK, itemFixture),
			want:  apiRequest(t, "POST", "/item/app/10421272/", "", "tok1", `{"fields":{"title":"Title","amount":3}}`),
			wantOut: Item{
				ItemID: 225607452, AppItemID: 1, AppID: 10421272, Revision: 0, Title: "Title",
				CurrentRevisionID: 435866440, Fields: json.RawMessage(itemFixtureFields),
			},
		},
		{
			name: "create item with external id and hook=false",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateItem(ctx, 42, map[string]any{"title": "x"}, WriteOptions{NoHook: true, ExternalID: "ext-1"})
			},
			reply:   jsonReply(http.StatusOK, `{"item_id":5,"app_item_id":2,"title":"x","external_id":"ext-1"}`),
			want:    apiRequest(t, "POST", "/item/app/42/", "hook=false", "tok1", `{"external_id":"ext-1","fields":{"title":"x"}}`),
			wantOut: Item{ItemID: 5, AppItemID: 2, Title: "x", ExternalID: "ext-1"},
		},
		{
			name: "create item, nil fields, silent and no hook",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateItem(ctx, 42, nil, WriteOptions{NoHook: true, Silent: true})
			},
			reply:   jsonReply(http.StatusOK, `{"item_id":6}`),
			want:    apiRequest(t, "POST", "/item/app/42/", "hook=false&silent=true", "tok1", `{"fields":{}}`),
			wantOut: Item{ItemID: 6},
		},
		{
			name: "update item",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateItem(ctx, 5, map[string]any{"status": []any{2}}, WriteOptions{NoHook: true})
			},
			reply:   jsonReply(http.StatusOK, `{"revision":1,"title":"x"}`),
			want:    apiRequest(t, "PUT", "/item/5", "hook=false", "tok1", `{"fields":{"status":[2]}}`),
			wantOut: ItemUpdate{Changed: true, Revision: 1, Title: "x"},
		},
		{
			name: "update item, no change (204)",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateItem(ctx, 5, map[string]any{"title": "x"}, WriteOptions{Silent: true})
			},
			reply:   noContent,
			want:    apiRequest(t, "PUT", "/item/5", "silent=true", "tok1", `{"fields":{"title":"x"}}`),
			wantOut: ItemUpdate{},
		},
		{
			name: "delete item with hook=false",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.DeleteItem(ctx, 5, WriteOptions{NoHook: true, ExternalID: "ignored"})
			},
			reply: noContent,
			want:  apiRequest(t, "DELETE", "/item/5", "hook=false", "tok1", ""),
		},
		{
			name: "get item",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetItem(ctx, 225607452)
			},
			reply: jsonReply(http.StatusOK, itemFixture),
			want:  apiRequest(t, "GET", "/item/225607452", "", "tok1", ""),
			wantOut: Item{
				ItemID: 225607452, AppItemID: 1, AppID: 10421272, Title: "Title",
				CurrentRevisionID: 435866440, Fields: json.RawMessage(itemFixtureFields),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := authed(t, tt.reply)
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if diff := cmp.Diff([]gotRequest{tt.want}, f.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOut, got, cmp.Comparer(equalJSON)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

// equalJSON compares raw JSON by meaning rather than by bytes.
func equalJSON(a, b json.RawMessage) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(va, vb)
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name     string
		base     func(srvURL string) string
		wantPath string
	}{
		{"no trailing slash", func(u string) string { return u }, "/hook/app/42/"},
		{"trailing slash", func(u string) string { return u + "/" }, "/hook/app/42/"},
		{"path prefix", func(u string) string { return u + "/podio/" }, "/podio/hook/app/42/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := authed(t, jsonReply(http.StatusOK, `{"hook_id":1}`))
			c.BaseURL = tt.base(c.BaseURL)
			if _, err := c.CreateHook(t.Context(), "app", 42, "https://example.com/h", "item.create"); err != nil {
				t.Fatalf("CreateHook: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].Path != tt.wantPath {
				t.Errorf("requests = %+v, want one to %s", reqs, tt.wantPath)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	var c Client
	if got := c.endpoint("/item/1", nil); got != "https://api.podio.com/item/1" {
		t.Errorf("zero Client endpoint(/item/1) = %q, want %q", got, "https://api.podio.com/item/1")
	}
	if c.httpClient().Timeout == 0 {
		t.Error("default HTTP client has no timeout")
	}
	if got := c.userAgent(); got != DefaultUserAgent || !strings.HasPrefix(got, "devhook/") || got == "devhook/" {
		t.Errorf("default User-Agent = %q, want devhook/<version>", got)
	}
	if limit, remaining := c.RateLimit(); limit != 0 || remaining != 0 {
		t.Errorf("RateLimit() before any call = %d, %d, want 0, 0", limit, remaining)
	}
}

func TestContextCanceled(t *testing.T) {
	c, f := authed(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.GetItem(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("GetItem(canceled ctx) = %v, want context.Canceled", err)
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests = %v, want none", got)
	}
}

package mockpodio_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/mockpodio"
)

// hookReference is the event table of Podio's hooks reference
// (https://developers.podio.com/doc/hooks): for each event, the ref types a hook for it
// may be registered on and the parameters it carries besides type and
// hook_id. It is written out here, not read from the fixtures, so the
// tests below check the catalogue against the reference.
var hookReference = map[string]struct {
	refTypes []string
	params   []string
}{
	"item.create":    {[]string{"app", "app_field"}, []string{"item_id", "item_revision_id", "external_id"}},
	"item.update":    {[]string{"app", "app_field"}, []string{"item_id", "item_revision_id", "external_id"}},
	"item.delete":    {[]string{"app", "app_field"}, []string{"item_id", "item_revision_id", "external_id"}},
	"comment.create": {[]string{"app"}, []string{"item_id", "comment_id"}},
	"comment.delete": {[]string{"app"}, []string{"item_id", "comment_id"}},
	"file.change":    {[]string{"app"}, []string{"item_id", "action_type", "file_ids"}},
	"app.update":     {[]string{"app"}, []string{"app_id"}},
	"app.delete":     {[]string{"app"}, []string{"app_id"}},
	"form.create":    {[]string{"app"}, []string{"form_id", "app_id"}},
	"form.update":    {[]string{"app"}, []string{"form_id", "app_id"}},
	"form.delete":    {[]string{"app"}, []string{"form_id", "app_id"}},
	"tag.add":        {[]string{"app"}, []string{"item_id", "target_type"}},
	"tag.delete":     {[]string{"app"}, []string{"item_id", "target_type"}},
	"app.create":     {[]string{"space"}, []string{"app_id"}},
	"task.create":    {[]string{"space"}, []string{"task_id"}},
	"task.update":    {[]string{"space"}, []string{"task_id"}},
	"task.delete":    {[]string{"space"}, []string{"task_id"}},
	"member.add":     {[]string{"space"}, []string{"space_id", "user_id"}},
	"member.remove":  {[]string{"space"}, []string{"space_id", "user_id"}},
	"contact.create": {[]string{"space"}, []string{"profile_id"}},
	"contact.update": {[]string{"space"}, []string{"profile_id"}},
	"contact.delete": {[]string{"space"}, []string{"profile_id"}},
	"status.create":  {[]string{"space"}, []string{"status_id"}},
	"status.update":  {[]string{"space"}, []string{"status_id"}},
	"status.delete":  {[]string{"space"}, []string{"status_id"}},
}

// seedRefs are the seeded objects of each ref type, for hooks to sit on.
var seedRefs = map[string]int64{"app": seedAppID, "app_field": seedTitleField, "space": seedSpaceID}

func TestCatalogueMatchesHookReference(t *testing.T) {
	type entry struct{ RefTypes, Params []string }
	want := map[string]entry{}
	for typ, ref := range hookReference {
		want[typ] = entry{ref.refTypes, ref.params}
	}
	got := map[string]entry{}
	for _, spec := range fixtures.Specs() {
		if spec.Type != fixtures.VerifyEvent {
			got[spec.Type] = entry{spec.RefTypes, spec.Params}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fixtures catalogue against the hooks reference (-want +got):\n%s", diff)
	}
}

// overrideValue is a value, unlike any fixture's, for parameter k.
func overrideValue(k string) string {
	switch {
	case k == "action_type":
		return "file_deleted"
	case k == "file_ids":
		return "1203,1204,1205"
	case k == "target_type":
		return "item"
	case k == "external_id":
		return "bug-42"
	case strings.HasSuffix(k, "_id"):
		return "424242"
	}
	return "v-" + k
}

func TestFireEveryEvent(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	rc := mockpodio.NewReceiver(t, s)

	type hookAt struct {
		id   int64
		path string
	}
	hooks := map[string]hookAt{} // by "type on ref_type"
	for _, typ := range slices.Sorted(maps.Keys(hookReference)) {
		for _, refType := range hookReference[typ].refTypes {
			path := "/" + typ + "/" + refType
			hk, err := s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: refType, ID: seedRefs[refType]}, typ, mockpodio.HookURL(rc.URL+path))
			if err != nil {
				t.Fatal(err)
			}
			id := hk.HookID
			hooks[typ+" on "+refType] = hookAt{id, path}
		}
	}

	for _, typ := range slices.Sorted(maps.Keys(hookReference)) {
		ref := hookReference[typ]
		fixture, err := fixtures.Get(typ)
		if err != nil {
			t.Fatal(err)
		}
		all := map[string]string{}
		for _, k := range ref.params {
			all[k] = overrideValue(k)
		}
		cases := []struct {
			name   string
			params map[string]string
		}{
			{"defaults", nil},
			{"empty params", map[string]string{}},
			{"one override", map[string]string{ref.params[0]: overrideValue(ref.params[0])}},
			{"every param", all},
		}
		for _, refType := range ref.refTypes {
			h := hooks[typ+" on "+refType]
			for _, tc := range cases {
				t.Run(fmt.Sprintf("%s on %s %s", typ, refType, tc.name), func(t *testing.T) {
					want := map[string]string{"type": typ, "hook_id": itoa(h.id)}
					for _, k := range ref.params {
						want[k] = fixture.Params[k]
						// An app or space event names the object it fires on.
						if (refType == "app" && k == "app_id") || (refType == "space" && k == "space_id") {
							want[k] = itoa(seedRefs[refType])
						}
						if v, ok := tc.params[k]; ok {
							want[k] = v
						}
					}

					eventID, err := s.FireEvent(refType, seedRefs[refType], typ, tc.params)
					if err != nil {
						t.Fatal(err)
					}
					d := awaitDelivery(t, s, func(d mockpodio.Delivery) bool { return d.EventID == eventID })
					if d.HookID != h.id || d.Outcome != mockpodio.OutcomeDelivered || d.Type != typ {
						t.Errorf("delivery = %s %s to hook %d, want %s delivered to hook %d", d.Type, d.Outcome, d.HookID, typ, h.id)
					}
					if diff := cmp.Diff(want, d.Params); diff != "" {
						t.Errorf("recorded params (-want +got):\n%s", diff)
					}

					// What the receiver got: the same, form-encoded, one value
					// per key. The delivery is recorded after the receiver
					// answered, so its request is in.
					var got mockpodio.Event
					for _, r := range rc.Events() {
						if r.Path == h.path {
							got = r
						}
					}
					form, err := url.ParseQuery(got.Body)
					if err != nil {
						t.Fatal(err)
					}
					wantForm := url.Values{}
					for k, v := range want {
						wantForm.Set(k, v)
					}
					if diff := cmp.Diff(wantForm, form); diff != "" {
						t.Errorf("form received (-want +got):\n%s", diff)
					}
					if ct := got.Header.Get("Content-Type"); got.Method != "POST" || ct != "application/x-www-form-urlencoded" {
						t.Errorf("request = %s with Content-Type %q, want a form POST", got.Method, ct)
					}

					// The event reached only its own hook.
					var targeted []int64
					for _, d := range s.Deliveries() {
						if d.EventID == eventID {
							targeted = append(targeted, d.HookID)
						}
					}
					if diff := cmp.Diff([]int64{h.id}, targeted); diff != "" {
						t.Errorf("hooks the event reached (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func TestFireEventRefused(t *testing.T) {
	s := newServer(t, withSeed(t, false))
	type fireCall struct {
		name    string
		refType string
		refID   int64
		typ     string
		params  map[string]string
	}
	var tests []fireCall
	// Every event on every ref type its hooks may not sit on.
	for _, typ := range slices.Sorted(maps.Keys(hookReference)) {
		for _, refType := range slices.Sorted(maps.Keys(seedRefs)) {
			if !slices.Contains(hookReference[typ].refTypes, refType) {
				tests = append(tests, fireCall{"wrong ref type", refType, seedRefs[refType], typ, nil})
			}
		}
	}
	for refType, id := range seedRefs {
		tests = append(tests, fireCall{"hook.verify is not fired", refType, id, fixtures.VerifyEvent, nil})
	}
	tests = append(tests,
		fireCall{"unknown type", "app", seedAppID, "item.created", nil},
		fireCall{"type in upper case", "app", seedAppID, "ITEM.CREATE", nil},
		fireCall{"empty type", "app", seedAppID, "", nil},
		fireCall{"unknown ref type", "item", 1, "item.create", nil},
		fireCall{"empty ref type", "", seedAppID, "item.create", nil},
		fireCall{"ref id 0", "app", 0, "item.create", nil},
		fireCall{"negative ref id", "app", -3, "item.create", nil},
		fireCall{"unknown param", "app", seedAppID, "file.change", map[string]string{"file_id": "1203"}},
		fireCall{"param of another event", "space", seedSpaceID, "member.add", map[string]string{"item_id": "1"}},
		fireCall{"hook_id param", "app", seedAppID, "item.create", map[string]string{"hook_id": "7"}},
		fireCall{"empty hook_id param", "space", seedSpaceID, "task.create", map[string]string{"hook_id": ""}},
		fireCall{"type param", "app", seedAppID, "item.create", map[string]string{"type": "item.delete"}},
		fireCall{"empty param name", "app", seedAppID, "item.create", map[string]string{"": "x"}},
	)

	before := s.Stats()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s on %s %d", tt.name, tt.typ, tt.refType, tt.refID), func(t *testing.T) {
			_, err := s.FireEvent(tt.refType, tt.refID, tt.typ, tt.params)
			apiErr, ok := errors.AsType[*mockpodio.APIError](err)
			if !ok || apiErr.StatusCode != http.StatusBadRequest || apiErr.Code != "invalid_value" {
				t.Errorf("FireEvent = %v, want a 400 invalid_value *APIError", err)
			}

			body := map[string]any{"ref_type": tt.refType, "ref_id": tt.refID, "type": tt.typ}
			if tt.params != nil {
				body["params"] = tt.params
			}
			res := control(t, s, "POST", "events", body)
			if res.Status != http.StatusBadRequest || errCode(res) != "invalid_value" {
				t.Errorf("POST /_mock/events = %d %s, want 400 invalid_value", res.Status, res.Raw)
			}
		})
	}
	if diff := cmp.Diff(before, s.Stats()); diff != "" {
		t.Errorf("refused events were counted (-want +got):\n%s", diff)
	}
}

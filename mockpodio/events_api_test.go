package mockpodio_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

// currentRevisionID reads an item's current item_revision_id.
func currentRevisionID(t *testing.T, w w2World, id int64) string {
	t.Helper()
	var it itemJSON
	res := do(t, w.s, w.token, "GET", "/item/"+itoa(id), nil)
	mustStatus(t, "get item", res, 200)
	decodeJSON(t, res.Raw, &it)
	return itoa(it.CurrentRevision.ItemRevisionID)
}

// TestEveryEventFromItsAPICall performs, for every event type of Podio's
// hooks reference but the deprecated contact.* (fired through the control
// API only), the API call that fires it in Podio, and checks the form a
// real receiver on loopback gets.
func TestEveryEventFromItsAPICall(t *testing.T) {
	type act func(t *testing.T, w w2World) map[string]string
	tests := []struct {
		name string
		typ  string
		// on is the hooked object: "app" (3001), "space" (2001), or made
		// by before.
		on     string
		before func(t *testing.T, w w2World) (refType string, refID int64)
		act    act
	}{
		{name: "item create", typ: "item.create", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			id := createItem(t, w.s, w.token, seedAppID, map[string]any{"external_id": "ext-9", "fields": map[string]any{"title": "x"}})
			return map[string]string{"item_id": itoa(id), "item_revision_id": currentRevisionID(t, w, id), "external_id": "ext-9"}
		}},
		{name: "item update", typ: "item.update", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update", do(t, w.s, w.token, "PUT", w.expand("/item/{item}"), map[string]any{"fields": map[string]any{"title": "changed"}}), 200)
			return map[string]string{"item_id": itoa(w.ids["item"]), "item_revision_id": currentRevisionID(t, w, w.ids["item"]), "external_id": ""}
		}},
		{name: "item delete", typ: "item.delete", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			rev := currentRevisionID(t, w, w.ids["item2"])
			mustStatus(t, "delete", do(t, w.s, w.token, "DELETE", w.expand("/item/{item2}"), nil), 204)
			return map[string]string{"item_id": itoa(w.ids["item2"]), "item_revision_id": rev, "external_id": ""}
		}},
		{name: "comment create", typ: "comment.create", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", w.expand("/comment/item/{item}"), map[string]any{"value": "c"})
			mustStatus(t, "comment", res, 200)
			return map[string]string{"item_id": itoa(w.ids["item"]), "comment_id": itoa(num(t, field(t, res.Body, "comment_id")))}
		}},
		{name: "comment delete", typ: "comment.delete", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", w.expand("/comment/item/{item}"), map[string]any{"value": "c"})
			mustStatus(t, "comment", res, 200)
			id := itoa(num(t, field(t, res.Body, "comment_id")))
			mustStatus(t, "delete comment", do(t, w.s, w.token, "DELETE", "/comment/"+id, nil), 204)
			return map[string]string{"item_id": itoa(w.ids["item"]), "comment_id": id}
		}},
		{name: "file attached", typ: "file.change", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "attach", do(t, w.s, w.token, "POST", w.expand("/file/{free}/attach"), w.expand(`{"ref_type":"item","ref_id":{item2}}`)), 204)
			return map[string]string{"item_id": itoa(w.ids["item2"]), "action_type": "file_created", "file_ids": itoa(w.ids["free"])}
		}},
		{name: "file replaced", typ: "file.change", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "replace", do(t, w.s, w.token, "POST", w.expand("/file/{free}/replace"), w.expand(`{"old_file_id":{attached}}`)), 204)
			return map[string]string{"item_id": itoa(w.ids["item"]), "action_type": "file_replaced", "file_ids": itoa(w.ids["free"])}
		}},
		{name: "file deleted", typ: "file.change", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "delete", do(t, w.s, w.token, "DELETE", w.expand("/file/{attached}"), nil), 204)
			return map[string]string{"item_id": itoa(w.ids["item"]), "action_type": "file_deleted", "file_ids": itoa(w.ids["attached"])}
		}},
		{name: "files given to a new item", typ: "file.change", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			second := uploadFile(t, w.s, w.token, "/file/", "b.txt", "b")
			id := createItem(t, w.s, w.token, seedAppID, map[string]any{"file_ids": []int64{w.ids["free"], second}})
			return map[string]string{"item_id": itoa(id), "action_type": "file_created", "file_ids": itoa(w.ids["free"]) + "," + itoa(second)}
		}},
		{name: "a file dropped from an item's file_ids", typ: "file.change", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update", do(t, w.s, w.token, "PUT", w.expand("/item/{item}"), map[string]any{"file_ids": []int64{}}), 200)
			return map[string]string{"item_id": itoa(w.ids["item"]), "action_type": "file_deleted", "file_ids": itoa(w.ids["attached"])}
		}},
		{name: "app update", typ: "app.update", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update app", do(t, w.s, w.token, "PUT", "/app/3001", map[string]any{"config": map[string]any{"name": "Bugs 2"}}), 204)
			return map[string]string{"app_id": "3001"}
		}},
		{name: "app delete", typ: "app.delete", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "delete app", do(t, w.s, w.token, "DELETE", "/app/3001", nil), 204)
			return map[string]string{"app_id": "3001"}
		}},
		{name: "app created in a new space", typ: "app.create",
			before: func(t *testing.T, w w2World) (string, int64) {
				res := do(t, w.s, w.token, "POST", "/space/", map[string]any{"org_id": 601, "name": "Fresh"})
				mustStatus(t, "space", res, 200)
				w.ids["space"] = num(t, field(t, res.Body, "space_id"))
				return "space", w.ids["space"]
			},
			act: func(t *testing.T, w w2World) map[string]string {
				res := do(t, w.s, w.token, "POST", "/app/", map[string]any{"space_id": w.ids["space"], "config": map[string]any{"name": "New"}})
				mustStatus(t, "app", res, 200)
				return map[string]string{"app_id": itoa(num(t, field(t, res.Body, "app_id")))}
			}},
		{name: "form create", typ: "form.create", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", "/form/app/3001/", map[string]any{})
			mustStatus(t, "form", res, 200)
			return map[string]string{"form_id": itoa(num(t, field(t, res.Body, "form_id"))), "app_id": "3001"}
		}},
		{name: "form update", typ: "form.update", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update form", do(t, w.s, w.token, "PUT", w.expand("/form/{form}"), map[string]any{"domains": []string{"x"}}), 204)
			return map[string]string{"form_id": itoa(w.ids["form"]), "app_id": "3001"}
		}},
		{name: "form deactivated", typ: "form.update", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "deactivate", do(t, w.s, w.token, "POST", w.expand("/form/{form}/deactivate"), nil), 204)
			return map[string]string{"form_id": itoa(w.ids["form"]), "app_id": "3001"}
		}},
		{name: "form delete", typ: "form.delete", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "delete form", do(t, w.s, w.token, "DELETE", w.expand("/form/{form}"), nil), 204)
			return map[string]string{"form_id": itoa(w.ids["form"]), "app_id": "3001"}
		}},
		{name: "tag add", typ: "tag.add", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "tag", do(t, w.s, w.token, "POST", w.expand("/tag/item/{item2}/"), []string{"new"}), 204)
			return map[string]string{"item_id": itoa(w.ids["item2"]), "target_type": "item"}
		}},
		{name: "tags given to an item update", typ: "tag.add", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update", do(t, w.s, w.token, "PUT", w.expand("/item/{item2}"), map[string]any{"tags": []string{"b", "c"}}), 200)
			return map[string]string{"item_id": itoa(w.ids["item2"]), "target_type": "item"}
		}},
		{name: "tag delete", typ: "tag.delete", on: "app", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "untag", do(t, w.s, w.token, "DELETE", w.expand("/tag/item/{item}/?text=a"), nil), 204)
			return map[string]string{"item_id": itoa(w.ids["item"]), "target_type": "item"}
		}},
		{name: "task create", typ: "task.create", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", "/task/space/2001/", map[string]any{"text": "t"})
			mustStatus(t, "task", res, 200)
			return map[string]string{"task_id": itoa(num(t, field(t, res.Body, "task_id")))}
		}},
		{name: "task update", typ: "task.update", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", "/task/space/2001/", map[string]any{"text": "t"})
			mustStatus(t, "task", res, 200)
			id := itoa(num(t, field(t, res.Body, "task_id")))
			mustStatus(t, "update task", do(t, w.s, w.token, "PUT", "/task/"+id, map[string]any{"text": "t2"}), 200)
			return map[string]string{"task_id": id}
		}},
		{name: "task delete", typ: "task.delete", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", "/task/space/2001/", map[string]any{"text": "t"})
			mustStatus(t, "task", res, 200)
			id := itoa(num(t, field(t, res.Body, "task_id")))
			mustStatus(t, "delete task", do(t, w.s, w.token, "DELETE", "/task/"+id, nil), 204)
			return map[string]string{"task_id": id}
		}},
		{name: "member add", typ: "member.add", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "add", do(t, w.s, w.token, "POST", "/space/2001/member/", map[string]any{"role": "regular", "users": []int64{mockpodio.DefaultSecondUserID}}), 200)
			return map[string]string{"space_id": "2001", "user_id": itoa(mockpodio.DefaultSecondUserID)}
		}},
		{name: "member remove", typ: "member.remove", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "end", do(t, w.s, w.token, "DELETE", "/space/2001/member/1001", nil), 204)
			return map[string]string{"space_id": "2001", "user_id": "1001"}
		}},
		{name: "status create", typ: "status.create", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			res := do(t, w.s, w.token, "POST", "/status/space/2001/", map[string]any{"value": "v"})
			mustStatus(t, "status", res, 200)
			return map[string]string{"status_id": itoa(num(t, field(t, res.Body, "status_id")))}
		}},
		{name: "status update", typ: "status.update", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "update status", do(t, w.s, w.token, "PUT", w.expand("/status/{status}"), map[string]any{"value": "v2"}), 204)
			return map[string]string{"status_id": itoa(w.ids["status"])}
		}},
		{name: "status delete", typ: "status.delete", on: "space", act: func(t *testing.T, w w2World) map[string]string {
			mustStatus(t, "delete status", do(t, w.s, w.token, "DELETE", w.expand("/status/{status}"), nil), 204)
			return map[string]string{"status_id": itoa(w.ids["status"])}
		}},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.typ] = true
		t.Run(tt.name, func(t *testing.T) {
			w := newW2World(t)
			rc := mockpodio.NewReceiver(t, w.s)
			refType, refID := tt.on, int64(seedAppID)
			switch {
			case tt.before != nil:
				refType, refID = tt.before(t, w)
			case tt.on == "space":
				refID = seedSpaceID
			}
			hk, err := w.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: refType, ID: refID}, tt.typ, mockpodio.HookURL(rc.URL+"/podio?secret=s1"))
			if err != nil {
				t.Fatal(err)
			}
			hookID := hk.HookID
			want := tt.act(t, w)
			d := awaitEvent(t, w.s, hookID, tt.typ)
			if d.Outcome != mockpodio.OutcomeDelivered {
				t.Fatalf("delivery %s: %s", d.Outcome, d.Error)
			}
			wantForm := url.Values{"type": {tt.typ}, "hook_id": {itoa(hookID)}, "secret": {"s1"}}
			for k, v := range want {
				wantForm.Set(k, v)
			}
			var got url.Values
			for _, r := range hitsOf(rc) {
				if r.Form.Get("type") == tt.typ && r.Path == "/podio" {
					got = r.Form
				}
			}
			if diff := cmp.Diff(wantForm, got); diff != "" {
				t.Errorf("form the receiver got (-want +got):\n%s", diff)
			}
		})
	}
	for typ := range hookReference {
		if !covered[typ] && typ != "contact.create" && typ != "contact.update" && typ != "contact.delete" {
			t.Errorf("no API call fires %s in this test", typ)
		}
	}
}

// TestHookFalseFiresNothing checks ?hook=false on the new writes: the
// change is made, no event goes out.
func TestHookFalseFiresNothing(t *testing.T) {
	w := newW2World(t)
	rc := mockpodio.NewReceiver(t, w.s)
	var hooks []int64
	for _, h := range []struct {
		ref string
		id  int64
		typ string
	}{{"app", seedAppID, "tag.add"}, {"app", seedAppID, "file.change"}, {"app", seedAppID, "form.create"},
		{"space", seedSpaceID, "status.create"}, {"space", seedSpaceID, "member.add"}} {
		hk, err := w.s.CreateHook(awaitCtx(t), mockpodio.Ref{Type: h.ref, ID: h.id}, h.typ, mockpodio.HookURL(rc.URL+"/"+h.typ))
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, hk.HookID)
	}
	mustStatus(t, "tag", do(t, w.s, w.token, "POST", w.expand("/tag/item/{item}/?hook=false"), []string{"q"}), 204)
	mustStatus(t, "attach", do(t, w.s, w.token, "POST", w.expand("/file/{free}/attach?hook=false"), w.expand(`{"ref_type":"item","ref_id":{item}}`)), 204)
	mustStatus(t, "form", do(t, w.s, w.token, "POST", "/form/app/3001/?hook=0", map[string]any{}), 200)
	mustStatus(t, "status", do(t, w.s, w.token, "POST", "/status/space/2001/?hook=no", map[string]any{"value": "v"}), 200)
	mustStatus(t, "member", do(t, w.s, w.token, "POST", "/space/2001/member/?hook=false", map[string]any{"users": []int64{1002}}), 200)
	// A last event with hooks on, on the same hooks: once it is in, the
	// ones before it would be too.
	mustStatus(t, "tag again", do(t, w.s, w.token, "POST", w.expand("/tag/item/{item}/"), []string{"last"}), 204)
	awaitEvent(t, w.s, hooks[0], "tag.add")
	for _, id := range hooks {
		if n := len(eventsTo(w.s, id)); (id == hooks[0] && n != 1) || (id != hooks[0] && n != 0) {
			t.Errorf("hook %d got %d events: %v", id, n, eventTypes(eventsTo(w.s, id)))
		}
	}
	if got := itemFileIDs(t, w, w.ids["item"]); len(got) != 2 {
		t.Errorf("the silent attach did not attach: files %v", got)
	}
}

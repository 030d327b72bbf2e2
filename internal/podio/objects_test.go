package podio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// TestObjectCalls runs the comment, task and app calls against the mock:
// each writes what the mock then shows, fires its event unless NoHook,
// and an unknown object is an *Error matching ErrNotFound.
func TestObjectCalls(t *testing.T) {
	s := startMock(t, true)
	c := signIn(t, s, seedAppCreds, nil)
	ctx := t.Context()

	app, err := c.GetApp(ctx, seedAppID)
	if err != nil {
		t.Fatal(err)
	}
	if app.AppID != seedAppID || app.SpaceID != seedSpaceID || len(app.Fields) == 0 || app.Fields[0].FieldID != seedFieldID {
		t.Errorf("GetApp = %+v, want app %d in space %d with field %d first", app, seedAppID, seedSpaceID, seedFieldID)
	}

	item, err := c.CreateItem(ctx, seedAppID, map[string]any{"title": "x"}, podio.WriteOptions{NoHook: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetItem(ctx, item.ItemID); err != nil || got.AppID != seedAppID {
		t.Errorf("GetItem = %+v, %v; want app %d", got, err, seedAppID)
	}

	// events lists the event deliveries recorded after the ID after,
	// hook.verify left out: with several deliveries in flight per hook a
	// handshake's record may land after the set-up below has moved on.
	events := func(after int64) []string {
		var out []string
		for _, d := range s.Deliveries() {
			if d.ID > after && d.Type != fixtures.VerifyEvent {
				out = append(out, d.Type)
			}
		}
		return out
	}
	// Every hook the calls below may fire, with a receiver that verifies.
	rcv := newReceiver(t, s)
	for _, h := range []struct {
		ref mockpodio.Ref
		typ string
	}{
		{mockpodio.AppRef(seedAppID), "comment.create"}, {mockpodio.AppRef(seedAppID), "comment.delete"},
		{mockpodio.SpaceRef(seedSpaceID), "task.create"}, {mockpodio.SpaceRef(seedSpaceID), "task.update"},
		{mockpodio.SpaceRef(seedSpaceID), "task.delete"}, {mockpodio.SpaceRef(seedSpaceID), "app.create"},
	} {
		id, err := c.CreateHook(ctx, h.ref.Type, h.ref.ID, rcv.URL, h.typ)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ValidateHook(ctx, id, rcv.code(t, id)); err != nil {
			t.Fatal(err)
		}
		// The hook.verify is recorded once the receiver has answered it.
		if _, err := s.AwaitDelivery(ctx, func(d mockpodio.Delivery) bool { return d.HookID == id && d.Type == fixtures.VerifyEvent }); err != nil {
			t.Fatal(err)
		}
	}
	var before int64
	if ds := s.Deliveries(); len(ds) > 0 {
		before = ds[len(ds)-1].ID
	}

	commentID, err := c.CreateComment(ctx, "item", item.ItemID, "hello", podio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := c.GetComment(ctx, commentID)
	if diff := cmp.Diff(podio.Comment{CommentID: commentID, Value: "hello", RefType: "item", RefID: item.ItemID}, cm); err != nil || diff != "" {
		t.Errorf("GetComment: %v (-want +got):\n%s", err, diff)
	}
	if err := c.DeleteComment(ctx, commentID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	taskID, err := c.CreateTask(ctx, podio.TaskCreate{Text: "do it", RefType: "space", RefID: seedSpaceID}, podio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateTask(ctx, taskID, "done it", podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	task, err := c.GetTask(ctx, taskID)
	if diff := cmp.Diff(podio.Task{TaskID: taskID, Text: "done it", SpaceID: seedSpaceID}, task); err != nil || diff != "" {
		t.Errorf("GetTask: %v (-want +got):\n%s", err, diff)
	}
	if err := c.DeleteTask(ctx, taskID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	// Silent set-up: hook=false fires nothing.
	quietApp, err := c.CreateApp(ctx, seedSpaceID, podio.AppConfig{Name: "Quiet", ItemName: "Thing"}, podio.WriteOptions{NoHook: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateComment(ctx, "item", item.ItemID, "quiet", podio.WriteOptions{NoHook: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateApp(ctx, quietApp, podio.AppConfig{Name: "Quieter"}, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetApp(ctx, quietApp); err != nil || got.Name != "Quieter" || got.ItemName != "Thing" || got.SpaceID != seedSpaceID {
		t.Errorf("GetApp after update = %+v, %v; want Quieter (Thing) in space %d", got, err, seedSpaceID)
	}
	if err := c.DeleteApp(ctx, quietApp, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	await, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	want := []string{"comment.create", "comment.delete", "task.create", "task.update", "task.delete"}
	for _, typ := range want {
		if _, err := s.AwaitDelivery(await, func(d mockpodio.Delivery) bool { return d.ID > before && d.Type == typ }); err != nil {
			t.Fatalf("await %s: %v", typ, err)
		}
	}
	if diff := cmp.Diff(want, events(before), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("events fired (-want +got):\n%s", diff)
	}

	for name, call := range map[string]func() error{
		"GetApp":        func() error { _, err := c.GetApp(ctx, 999999); return err },
		"GetComment":    func() error { _, err := c.GetComment(ctx, 999999); return err },
		"DeleteComment": func() error { return c.DeleteComment(ctx, 999999, podio.WriteOptions{}) },
		"GetTask":       func() error { _, err := c.GetTask(ctx, 999999); return err },
		"UpdateTask":    func() error { return c.UpdateTask(ctx, 999999, "x", podio.WriteOptions{}) },
		"DeleteTask":    func() error { return c.DeleteTask(ctx, 999999, podio.WriteOptions{}) },
		"UpdateApp":     func() error { return c.UpdateApp(ctx, 999999, podio.AppConfig{Name: "x"}, podio.WriteOptions{}) },
		"DeleteApp":     func() error { return c.DeleteApp(ctx, 999999, podio.WriteOptions{}) },
		"CreateComment": func() error { _, err := c.CreateComment(ctx, "item", 999999, "x", podio.WriteOptions{}); return err },
	} {
		err := call()
		if _, ok := errors.AsType[*podio.Error](err); !ok || !errors.Is(err, podio.ErrNotFound) {
			t.Errorf("%s of an unknown object: %v, want a *podio.Error matching ErrNotFound", name, err)
		}
	}
}

package podio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// TestFileTagStatusMemberFormCalls runs the calls of files.go, tags.go,
// statuses.go, members.go and forms.go against the mock: each does what
// the mock then shows and fires its event with the parameters Podio
// sends, unless NoHook.
func TestFileTagStatusMemberFormCalls(t *testing.T) {
	s := startMock(t, true)
	c := signIn(t, s, seedAppCreds, nil)
	ctx := t.Context()
	rcv := mockpodio.NewReceiver(t, s)
	for _, h := range []struct {
		ref mockpodio.Ref
		typ string
	}{
		{mockpodio.AppRef(seedAppID), "file.change"}, {mockpodio.AppRef(seedAppID), "tag.add"}, {mockpodio.AppRef(seedAppID), "tag.delete"},
		{mockpodio.AppRef(seedAppID), "form.create"}, {mockpodio.AppRef(seedAppID), "form.update"}, {mockpodio.AppRef(seedAppID), "form.delete"},
		{mockpodio.SpaceRef(seedSpaceID), "status.create"}, {mockpodio.SpaceRef(seedSpaceID), "status.update"}, {mockpodio.SpaceRef(seedSpaceID), "status.delete"},
		{mockpodio.SpaceRef(seedSpaceID), "member.add"}, {mockpodio.SpaceRef(seedSpaceID), "member.remove"},
	} {
		if _, err := s.CreateHook(ctx, h.ref, h.typ, rcv); err != nil {
			t.Fatal(err)
		}
	}
	item, err := c.CreateItem(ctx, seedAppID, map[string]any{"title": "x"}, podio.WriteOptions{NoHook: true})
	if err != nil {
		t.Fatal(err)
	}
	sid := func(n int64) string { return strconv.FormatInt(n, 10) }
	var want []map[string]string // the events expected, in order

	// Files.
	f1, err := c.UploadFile(ctx, "a.txt", []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	if f1.FileID == 0 || f1.Name != "a.txt" || f1.Size != 5 {
		t.Errorf("UploadFile = %+v, want a.txt of 5 bytes", f1)
	}
	if body := fetch(t, f1.Link+"?oauth_token="+token(t, c)); body != "first" {
		t.Errorf("the file's link served %q, want its bytes", body)
	}
	f2, err := c.UploadFile(ctx, "b.txt", []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AttachFile(ctx, f1.FileID, "item", item.ItemID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "file.change", "item_id": sid(item.ItemID), "action_type": "file_created", "file_ids": sid(f1.FileID)})
	if err := c.ReplaceFile(ctx, f2.FileID, f1.FileID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "file.change", "item_id": sid(item.ItemID), "action_type": "file_replaced", "file_ids": sid(f2.FileID)})
	if err := c.DeleteFile(ctx, f2.FileID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "file.change", "item_id": sid(item.ItemID), "action_type": "file_deleted", "file_ids": sid(f2.FileID)})
	if _, err := c.GetFile(ctx, f2.FileID); !errors.Is(err, podio.ErrNotFound) {
		t.Errorf("GetFile of a deleted file: %v, want ErrNotFound", err)
	}

	// Tags.
	if err := c.AddTags(ctx, "item", item.ItemID, []string{"a", "b"}, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "tag.add", "item_id": sid(item.ItemID), "target_type": "item"})
	if err := c.RemoveTag(ctx, "item", item.ItemID, "a b", podio.WriteOptions{}); err != nil { // not there: nothing fires
		t.Fatal(err)
	}
	if err := c.RemoveTag(ctx, "item", item.ItemID, "a", podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "tag.delete", "item_id": sid(item.ItemID), "target_type": "item"})
	if err := c.AddTags(ctx, "item", item.ItemID, []string{"quiet"}, podio.WriteOptions{NoHook: true}); err != nil {
		t.Fatal(err)
	}

	// Statuses.
	stID, err := c.CreateStatus(ctx, seedSpaceID, "hello", podio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "status.create", "status_id": sid(stID)})
	if err := c.UpdateStatus(ctx, stID, "hello again", podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "status.update", "status_id": sid(stID)})
	if st, err := c.GetStatus(ctx, stID); err != nil || st != (podio.Status{StatusID: stID, Value: "hello again", SpaceID: seedSpaceID}) {
		t.Errorf("GetStatus = %+v, %v", st, err)
	}
	if err := c.DeleteStatus(ctx, stID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "status.delete", "status_id": sid(stID)})

	// Members.
	if err := c.AddSpaceMembers(ctx, seedSpaceID, "light", []int64{mockpodio.DefaultSecondUserID}, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "member.add", "space_id": sid(seedSpaceID), "user_id": sid(mockpodio.DefaultSecondUserID)})
	if m, err := c.GetSpaceMember(ctx, seedSpaceID, mockpodio.DefaultSecondUserID); err != nil || m != (podio.SpaceMember{UserID: mockpodio.DefaultSecondUserID, Role: "light", Active: true}) {
		t.Errorf("GetSpaceMember = %+v, %v", m, err)
	}
	if err := c.EndSpaceMemberships(ctx, seedSpaceID, []int64{mockpodio.DefaultSecondUserID}, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "member.remove", "space_id": sid(seedSpaceID), "user_id": sid(mockpodio.DefaultSecondUserID)})
	if m, err := c.GetSpaceMember(ctx, seedSpaceID, mockpodio.DefaultSecondUserID); err != nil || m.Active {
		t.Errorf("GetSpaceMember after the end = %+v, %v; want not active", m, err)
	}

	// Forms.
	formID, err := c.CreateForm(ctx, seedAppID, nil, podio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "form.create", "form_id": sid(formID), "app_id": sid(seedAppID)})
	if err := c.UpdateForm(ctx, formID, []string{"example.com"}, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "form.update", "form_id": sid(formID), "app_id": sid(seedAppID)})
	if f, err := c.GetForm(ctx, formID); err != nil || !cmp.Equal(f, podio.Form{FormID: formID, AppID: seedAppID, Status: "active", Domains: []string{"example.com"}}) {
		t.Errorf("GetForm = %+v, %v", f, err)
	}
	if err := c.DeleteForm(ctx, formID, podio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = append(want, map[string]string{"type": "form.delete", "form_id": sid(formID), "app_id": sid(seedAppID)})

	// What the receiver got, hook_id aside. Each hook delivers in order,
	// but hooks deliver concurrently: compare as sets.
	await, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.AwaitDeliveries(await, 11+len(want)); err != nil { // the 11 hook.verify first
		t.Fatal(err)
	}
	var got []map[string]string
	for _, e := range rcv.Events() {
		if e.Type == "hook.verify" {
			continue
		}
		p := map[string]string{}
		for k, v := range e.Params {
			if k != "hook_id" {
				p[k] = v
			}
		}
		got = append(got, p)
	}
	bySig := cmpopts.SortSlices(func(a, b map[string]string) bool { return fmt.Sprint(a) < fmt.Sprint(b) })
	if diff := cmp.Diff(want, got, bySig); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// Errors are *Error matching ErrNotFound.
	for name, call := range map[string]func() error{
		"AttachFile":     func() error { return c.AttachFile(ctx, 999999, "item", item.ItemID, podio.WriteOptions{}) },
		"GetStatus":      func() error { _, err := c.GetStatus(ctx, 999999); return err },
		"GetForm":        func() error { _, err := c.GetForm(ctx, 999999); return err },
		"GetSpaceMember": func() error { _, err := c.GetSpaceMember(ctx, seedSpaceID, 999999); return err },
		"AddTags":        func() error { return c.AddTags(ctx, "item", 999999, []string{"x"}, podio.WriteOptions{}) },
	} {
		if err := call(); !errors.Is(err, podio.ErrNotFound) {
			t.Errorf("%s of an unknown object: %v, want ErrNotFound", name, err)
		}
	}
}

// token returns the client's access token.
func token(t *testing.T, c *podio.Client) string {
	t.Helper()
	tok, ok := c.Token()
	if !ok {
		t.Fatal("not signed in")
	}
	return tok.AccessToken.Reveal()
}

// fetch GETs u and returns its body.
func fetch(t *testing.T, u string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", u, nil)
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
	return string(b)
}

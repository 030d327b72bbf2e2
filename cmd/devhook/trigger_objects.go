package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
	"github.com/devhookhq/devhook/mockpodio"
)

// The actions of trigger --mock on files, tags, webforms, space members
// and status messages: each performs the API call that fires the event in
// Podio (shared/podio-api.md section 11). Set-up writes use hook=false.

func init() {
	actions := map[string]triggerAction{
		"file.change":   {settable: []string{"item_id", "action_type"}, check: checkFileAction, run: (*triggerRun).fileChange},
		"tag.add":       {settable: []string{"item_id"}, run: (*triggerRun).tagAdd},
		"tag.delete":    {settable: []string{"item_id"}, run: (*triggerRun).tagDelete},
		"form.create":   {run: (*triggerRun).formCreate},
		"form.update":   {settable: []string{"form_id"}, run: (*triggerRun).formUpdate},
		"form.delete":   {settable: []string{"form_id"}, run: (*triggerRun).formDelete},
		"member.add":    {settable: []string{"user_id"}, run: (*triggerRun).memberAdd},
		"member.remove": {settable: []string{"user_id"}, run: (*triggerRun).memberRemove},
		"status.create": {run: (*triggerRun).statusCreate},
		"status.update": {settable: []string{"status_id"}, run: (*triggerRun).statusUpdate},
		"status.delete": {settable: []string{"status_id"}, run: (*triggerRun).statusDelete},
	}
	for k, v := range actions {
		triggerActions[k] = v
	}
}

// triggerFileActions are the action_type values of file.change, and what
// trigger does for each on the item.
var triggerFileActions = []string{"file_created", "file_replaced", "file_deleted"}

// uploadTriggerFile uploads a small text file.
func (r *triggerRun) uploadTriggerFile(ctx context.Context) (int64, error) {
	f, err := r.m.UploadFile(ctx, "devhook-trigger.txt", []byte(triggerStamp("devhook trigger "+r.typ)+"\n"))
	if err != nil {
		return 0, err
	}
	return f.FileID, nil
}

// checkFileAction refuses an action_type trigger cannot perform.
func checkFileAction(set map[string]string) error {
	if a, ok := set["action_type"]; ok && !slices.Contains(triggerFileActions, a) {
		return usagef("--set action_type must be file_created, file_replaced or file_deleted, not %q", a)
	}
	return nil
}

func (r *triggerRun) fileChange(ctx context.Context) error {
	action := cmp.Or(r.set["action_type"], "file_created")
	itemID, appID, err := r.targetItem(ctx, "")
	if err != nil {
		return err
	}
	fileID, err := r.uploadTriggerFile(ctx)
	if err != nil {
		return err
	}
	if action == "file_created" {
		if err := r.m.AttachFile(ctx, fileID, "item", itemID, podio.WriteOptions{}); err != nil {
			return err
		}
		return r.report(ctx, fmt.Sprintf("attached file %d to item %d in app %d: file.change (file_created) fired", fileID, itemID, appID), fixtures.RefApp, appID)
	}
	if err := r.m.AttachFile(ctx, fileID, "item", itemID, podio.WriteOptions{NoHook: true}); err != nil {
		return err
	}
	r.note("attached file %d to item %d with hook=false (it fires nothing)", fileID, itemID)
	if action == "file_deleted" {
		if err := r.m.DeleteFile(ctx, fileID, podio.WriteOptions{}); err != nil {
			return err
		}
		return r.report(ctx, fmt.Sprintf("deleted file %d of item %d in app %d: file.change (file_deleted) fired", fileID, itemID, appID), fixtures.RefApp, appID)
	}
	newID, err := r.uploadTriggerFile(ctx)
	if err != nil {
		return err
	}
	if err := r.m.ReplaceFile(ctx, newID, fileID, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("replaced file %d of item %d in app %d with file %d: file.change (file_replaced) fired", fileID, itemID, appID, newID), fixtures.RefApp, appID)
}

func (r *triggerRun) tagAdd(ctx context.Context) error {
	itemID, appID, err := r.targetItem(ctx, "")
	if err != nil {
		return err
	}
	tag := triggerStamp("devhook-trigger")
	if err := r.m.AddTags(ctx, "item", itemID, []string{tag}, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("tagged item %d in app %d %q: tag.add fired", itemID, appID, tag), fixtures.RefApp, appID)
}

func (r *triggerRun) tagDelete(ctx context.Context) error {
	itemID, appID, err := r.targetItem(ctx, "")
	if err != nil {
		return err
	}
	tag := triggerStamp("devhook-trigger")
	if err := r.m.AddTags(ctx, "item", itemID, []string{tag}, podio.WriteOptions{NoHook: true}); err != nil {
		return err
	}
	r.note("tagged item %d %q with hook=false (it fires nothing)", itemID, tag)
	if err := r.m.RemoveTag(ctx, "item", itemID, tag, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("removed tag %q from item %d in app %d: tag.delete fired", tag, itemID, appID), fixtures.RefApp, appID)
}

// targetForm returns the --set form_id and its app, or a new form made
// with hook=false on --app.
func (r *triggerRun) targetForm(ctx context.Context) (formID, appID int64, err error) {
	if v, ok := r.set["form_id"]; ok {
		f, err := r.m.GetForm(ctx, parseID64(v))
		if err != nil {
			return 0, 0, err
		}
		return f.FormID, f.AppID, nil
	}
	id, err := r.m.CreateForm(ctx, r.appID, nil, podio.WriteOptions{NoHook: true})
	if err != nil {
		return 0, 0, err
	}
	r.note("created form %d on app %d with hook=false (it fires nothing)", id, r.appID)
	return id, r.appID, nil
}

func (r *triggerRun) formCreate(ctx context.Context) error {
	id, err := r.m.CreateForm(ctx, r.appID, nil, podio.WriteOptions{})
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("created form %d on app %d: form.create fired", id, r.appID), fixtures.RefApp, r.appID)
}

func (r *triggerRun) formUpdate(ctx context.Context) error {
	id, appID, err := r.targetForm(ctx)
	if err != nil {
		return err
	}
	if err := r.m.UpdateForm(ctx, id, []string{"devhook-trigger.example"}, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("updated form %d on app %d: form.update fired", id, appID), fixtures.RefApp, appID)
}

func (r *triggerRun) formDelete(ctx context.Context) error {
	id, appID, err := r.targetForm(ctx)
	if err != nil {
		return err
	}
	if err := r.m.DeleteForm(ctx, id, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted form %d on app %d: form.delete fired", id, appID), fixtures.RefApp, appID)
}

// memberUser returns --set user_id, or the default seed's second user.
func (r *triggerRun) memberUser() int64 {
	if v, ok := r.set["user_id"]; ok {
		return parseID64(v)
	}
	return mockpodio.DefaultSecondUserID
}

// isMember reports whether user is an active member of space.
func (r *triggerRun) isMember(ctx context.Context, space, user int64) (bool, error) {
	m, err := r.m.GetSpaceMember(ctx, space, user)
	if errors.Is(err, podio.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Active, nil
}

func (r *triggerRun) memberAdd(ctx context.Context) error {
	sp, err := r.space(ctx)
	if err != nil {
		return err
	}
	user := r.memberUser()
	member, err := r.isMember(ctx, sp, user)
	if err != nil {
		return err
	}
	if member {
		if err := r.m.EndSpaceMemberships(ctx, sp, []int64{user}, podio.WriteOptions{NoHook: true}); err != nil {
			return err
		}
		r.note("ended user %d's membership of space %d with hook=false (it fires nothing)", user, sp)
	}
	if err := r.m.AddSpaceMembers(ctx, sp, "regular", []int64{user}, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("added user %d to space %d: member.add fired", user, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) memberRemove(ctx context.Context) error {
	sp, err := r.space(ctx)
	if err != nil {
		return err
	}
	user := r.memberUser()
	member, err := r.isMember(ctx, sp, user)
	if err != nil {
		return err
	}
	if !member {
		if err := r.m.AddSpaceMembers(ctx, sp, "regular", []int64{user}, podio.WriteOptions{NoHook: true}); err != nil {
			return err
		}
		r.note("added user %d to space %d with hook=false (it fires nothing)", user, sp)
	}
	if err := r.m.EndSpaceMemberships(ctx, sp, []int64{user}, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("ended user %d's membership of space %d: member.remove fired", user, sp), fixtures.RefSpace, sp)
}

// targetStatus returns the --set status_id and its space, or a new status
// posted with hook=false in the space.
func (r *triggerRun) targetStatus(ctx context.Context) (statusID, spaceID int64, err error) {
	if v, ok := r.set["status_id"]; ok {
		st, err := r.m.GetStatus(ctx, parseID64(v))
		if err != nil {
			return 0, 0, err
		}
		return st.StatusID, st.SpaceID, nil
	}
	sp, err := r.space(ctx)
	if err != nil {
		return 0, 0, err
	}
	id, err := r.m.CreateStatus(ctx, sp, "devhook trigger "+r.typ, podio.WriteOptions{NoHook: true})
	if err != nil {
		return 0, 0, err
	}
	r.note("posted status %d in space %d with hook=false (it fires nothing)", id, sp)
	return id, sp, nil
}

func (r *triggerRun) statusCreate(ctx context.Context) error {
	sp, err := r.space(ctx)
	if err != nil {
		return err
	}
	id, err := r.m.CreateStatus(ctx, sp, "devhook trigger "+r.typ, podio.WriteOptions{})
	if err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("posted status %d in space %d: status.create fired", id, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) statusUpdate(ctx context.Context) error {
	id, sp, err := r.targetStatus(ctx)
	if err != nil {
		return err
	}
	if err := r.m.UpdateStatus(ctx, id, triggerStamp("devhook trigger status.update"), podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("updated status %d in space %d: status.update fired", id, sp), fixtures.RefSpace, sp)
}

func (r *triggerRun) statusDelete(ctx context.Context) error {
	id, sp, err := r.targetStatus(ctx)
	if err != nil {
		return err
	}
	if err := r.m.DeleteStatus(ctx, id, podio.WriteOptions{}); err != nil {
		return err
	}
	return r.report(ctx, fmt.Sprintf("deleted status %d in space %d: status.delete fired", id, sp), fixtures.RefSpace, sp)
}

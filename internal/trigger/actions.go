package trigger

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
	"github.com/devhookhq/devhook/internal/podio"
)

// The actions of trigger --mock: for each event type the API call that
// fires it in Podio (the events of https://developers.podio.com/doc/hooks
// follow the API's create, update and delete calls), made in the mock so
// the event reaches its hooks, rules and tunnels like a real one. An event type missing here is
// fired through the control API instead (TestEveryEventTypeArrives keeps
// both ways working for every type of the catalog).
//
// Every action has one shape: find the object the event is about (the one
// --set names, or one made with hook=false, which fires nothing), act on
// it, and report what was done. An action without act is a create: making
// the object with its hook is what fires the event.

// action is how trigger makes one event happen in the mock.
type action struct {
	// kind is what the event is about.
	kind *kind
	// act performs the call that fires the event on o; nil for a create.
	act func(r *run, ctx context.Context, o *obj) error
	// did is the line that reports it, a template of obj's fields (see
	// obj.fill); act may set obj.did instead.
	did string
	// settable are the parameters --set may give: ids of objects to act
	// on, and the values the action sends.
	settable []string
	// exclusive are two of them that cannot be set together.
	exclusive [2]string
	// checkSet, if set, refuses bad --set values before any request.
	checkSet func(set map[string]string) error
	// withExt makes the item made for the event carry --set external_id
	// (item.create, item.delete); item.update sets it in its update, on
	// an item made without it.
	withExt bool
}

// actions are the event types trigger --mock performs with an API call.
var actions = map[string]action{
	"item.create":    {kind: item, did: "created item {id} in app {app}", settable: []string{"external_id"}, withExt: true},
	"item.update":    {kind: item, act: updateItem, did: "updated item {id} in app {app}", settable: []string{"item_id", "external_id"}},
	"item.delete":    {kind: item, act: deleteWith((*podio.Client).DeleteItem), did: "deleted item {id} in app {app}", settable: []string{"item_id", "external_id"}, exclusive: [2]string{"item_id", "external_id"}, withExt: true},
	"comment.create": {kind: comment, did: "created comment {id} on item {item} in app {app}", settable: []string{"item_id"}},
	"comment.delete": {kind: comment, act: deleteWith((*podio.Client).DeleteComment), did: "deleted comment {id} on item {item} in app {app}", settable: []string{"item_id", "comment_id"}, exclusive: [2]string{"item_id", "comment_id"}},
	"task.create":    {kind: task, did: "created task {id} in space {space}"},
	"task.update":    {kind: task, act: updateText((*podio.Client).UpdateTask), did: "updated task {id} in space {space}", settable: []string{"task_id"}},
	"task.delete":    {kind: task, act: deleteWith((*podio.Client).DeleteTask), did: "deleted task {id} in space {space}", settable: []string{"task_id"}},
	"app.create":     {kind: app, did: "created app {id} in space {space}"},
	"app.update":     {kind: app, act: updateApp, did: "updated app {id}", settable: []string{"app_id"}},
	"app.delete":     {kind: app, act: deleteWith((*podio.Client).DeleteApp), did: "deleted app {id}", settable: []string{"app_id"}},
	"form.create":    {kind: form, did: "created form {id} on app {app}"},
	"form.update":    {kind: form, act: updateForm, did: "updated form {id} on app {app}", settable: []string{"form_id"}},
	"form.delete":    {kind: form, act: deleteWith((*podio.Client).DeleteForm), did: "deleted form {id} on app {app}", settable: []string{"form_id"}},
	"status.create":  {kind: status, did: "posted status {id} in space {space}"},
	"status.update":  {kind: status, act: updateText((*podio.Client).UpdateStatus), did: "updated status {id} in space {space}", settable: []string{"status_id"}},
	"status.delete":  {kind: status, act: deleteWith((*podio.Client).DeleteStatus), did: "deleted status {id} in space {space}", settable: []string{"status_id"}},
	"tag.add":        {kind: item, act: addTag, did: "tagged item {id} in app {app} {tag}", settable: []string{"item_id"}},
	"tag.delete":     {kind: item, act: removeTag, did: "removed tag {tag} from item {id} in app {app}", settable: []string{"item_id"}},
	"member.add":     {kind: member, act: addMember, did: "added user {id} to space {space}", settable: []string{"user_id"}},
	"member.remove":  {kind: member, act: removeMember, did: "ended user {id}'s membership of space {space}", settable: []string{"user_id"}},
	"file.change":    {kind: item, act: changeFile, settable: []string{"item_id", "action_type"}, checkSet: checkFileAction},
}

// obj is an object an action acts on, and where it is.
type obj struct {
	id            int64
	item          int64 // the item it is on: a comment's, a file's
	app, space    int64
	file, newFile int64  // file.change's files
	tag           string // the tag added or removed
	did           string // the report's template, when act chose it
	event         string // what follows the event type in the report, e.g. " (file_created)"
}

// fill fills a template's {id}, {item}, {app}, {space}, {file}, {new}
// and {tag} (quoted) with o's values.
func (o obj) fill(template string) string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	return strings.NewReplacer("{id}", n(o.id), "{item}", n(o.item), "{app}", n(o.app), "{space}", n(o.space),
		"{file}", n(o.file), "{new}", n(o.newFile), "{tag}", strconv.Quote(o.tag)).Replace(template)
}

// kind is a sort of object events are about: how to find one by id and
// how to make one.
type kind struct {
	// key is the --set parameter that names an existing one.
	key string
	// find returns the one with id.
	find func(r *run, ctx context.Context, id int64) (obj, error)
	// make makes one; with noHook it fires nothing.
	make func(r *run, ctx context.Context, noHook bool) (obj, error)
	// made is the note on one made with hook=false, a template of obj's
	// fields; empty for a kind that makes nothing (member).
	made string
}

// perform makes the event happen with action a and reports it.
func (r *run) perform(ctx context.Context, a action) error {
	r.withExt = a.withExt
	var o obj
	var err error
	if a.act == nil {
		o, err = a.kind.make(r, ctx, false)
	} else if o, err = r.target(ctx, a.kind); err == nil {
		err = a.act(r, ctx, &o)
	}
	if err != nil {
		return err
	}
	spec, _ := fixtures.Lookup(r.typ)
	refType, refID := spec.RefTypes[0], o.app
	if refType == fixtures.RefSpace {
		refID = o.space
	}
	return r.report(ctx, o.fill(cmp.Or(o.did, a.did))+": "+r.typ+o.event+" fired", refType, refID)
}

// target returns the object of kind k that --set names, or a new one made
// with hook=false.
func (r *run) target(ctx context.Context, k *kind) (obj, error) {
	if v, ok := r.set[k.key]; ok {
		id, _ := strconv.ParseInt(v, 10, 64) // action.check refused any other
		return k.find(r, ctx, id)
	}
	o, err := k.make(r, ctx, true)
	if err == nil && k.made != "" {
		r.note(o.fill(k.made))
	}
	return o, err
}

// note prints a set-up step made with hook=false.
func (r *run) note(did string) {
	fmt.Fprintln(r.cfg.Out, did+" with hook=false (it fires nothing)")
}

// The kinds of object events are about.
var (
	item = &kind{key: "item_id", made: "created item {id} in app {app}",
		find: func(r *run, ctx context.Context, id int64) (obj, error) {
			it, err := r.m.GetItem(ctx, id)
			return obj{id: id, item: id, app: it.AppID}, err
		},
		make: func(r *run, ctx context.Context, noHook bool) (obj, error) {
			field, err := r.titleField(ctx, r.appID)
			if err != nil {
				return obj{}, err
			}
			fields := map[string]any{}
			if field != "" {
				fields[field] = "devhook trigger " + r.typ
			}
			opts := podio.WriteOptions{NoHook: noHook}
			if r.withExt {
				opts.ExternalID = r.set["external_id"]
			}
			it, err := r.m.CreateItem(ctx, r.appID, fields, opts)
			return obj{id: it.ItemID, item: it.ItemID, app: r.appID}, err
		},
	}
	comment = &kind{key: "comment_id", made: "created comment {id} on item {item}",
		find: func(r *run, ctx context.Context, id int64) (obj, error) {
			cm, err := r.m.GetComment(ctx, id)
			if err != nil {
				return obj{}, err
			}
			o, err := item.find(r, ctx, cm.RefID)
			o.id = id
			return o, err
		},
		make: func(r *run, ctx context.Context, noHook bool) (obj, error) {
			o, err := r.target(ctx, item)
			if err == nil {
				o.id, err = r.m.CreateComment(ctx, "item", o.item, "devhook trigger "+r.typ, podio.WriteOptions{NoHook: noHook})
			}
			return o, err
		},
	}
	task = &kind{key: "task_id", made: "created task {id} in space {space}",
		find: func(r *run, ctx context.Context, id int64) (obj, error) {
			t, err := r.m.GetTask(ctx, id)
			return obj{id: t.TaskID, space: t.SpaceID}, err
		},
		make: inSpace(func(r *run, ctx context.Context, sp int64, opts podio.WriteOptions) (int64, error) {
			return r.m.CreateTask(ctx, podio.TaskCreate{Text: "devhook trigger " + r.typ, RefType: fixtures.RefSpace, RefID: sp}, opts)
		}),
	}
	app = &kind{key: "app_id", made: "created app {id} in space {space}",
		find: func(_ *run, _ context.Context, id int64) (obj, error) { return obj{id: id, app: id}, nil },
		make: func(r *run, ctx context.Context, noHook bool) (obj, error) {
			o, err := inSpace(func(r *run, ctx context.Context, sp int64, opts podio.WriteOptions) (int64, error) {
				return r.m.CreateApp(ctx, sp, podio.AppConfig{Name: "devhook trigger " + r.typ, ItemName: "Item"}, opts)
			})(r, ctx, noHook)
			o.app = o.id
			return o, err
		},
	}
	form = &kind{key: "form_id", made: "created form {id} on app {app}",
		find: func(r *run, ctx context.Context, id int64) (obj, error) {
			f, err := r.m.GetForm(ctx, id)
			return obj{id: f.FormID, app: f.AppID}, err
		},
		make: func(r *run, ctx context.Context, noHook bool) (obj, error) {
			id, err := r.m.CreateForm(ctx, r.appID, nil, podio.WriteOptions{NoHook: noHook})
			return obj{id: id, app: r.appID}, err
		},
	}
	status = &kind{key: "status_id", made: "posted status {id} in space {space}",
		find: func(r *run, ctx context.Context, id int64) (obj, error) {
			st, err := r.m.GetStatus(ctx, id)
			return obj{id: st.StatusID, space: st.SpaceID}, err
		},
		make: inSpace(func(r *run, ctx context.Context, sp int64, opts podio.WriteOptions) (int64, error) {
			return r.m.CreateStatus(ctx, sp, "devhook trigger "+r.typ, opts)
		}),
	}
	// member is a user of the space; without --set user_id the default
	// user. Nothing is made: the action adds or removes the membership.
	member = &kind{key: "user_id", find: memberOf,
		make: func(r *run, ctx context.Context, _ bool) (obj, error) { return memberOf(r, ctx, r.cfg.DefaultUser) },
	}
)

// memberOf returns user id as a member of the space of --space or --app.
func memberOf(r *run, ctx context.Context, id int64) (obj, error) {
	sp, err := r.space(ctx)
	return obj{id: id, space: sp}, err
}

// inSpace makes a kind's make of create, a call that makes an object in
// the space of --space or --app.
func inSpace(create func(r *run, ctx context.Context, sp int64, opts podio.WriteOptions) (int64, error)) func(*run, context.Context, bool) (obj, error) {
	return func(r *run, ctx context.Context, noHook bool) (obj, error) {
		sp, err := r.space(ctx)
		if err != nil {
			return obj{}, err
		}
		id, err := create(r, ctx, sp, podio.WriteOptions{NoHook: noHook})
		return obj{id: id, space: sp}, err
	}
}

// deleteWith acts by deleting the object with del.
func deleteWith(del func(*podio.Client, context.Context, int64, podio.WriteOptions) error) func(*run, context.Context, *obj) error {
	return func(r *run, ctx context.Context, o *obj) error { return del(r.m, ctx, o.id, podio.WriteOptions{}) }
}

// updateText acts by giving the object a new text with update.
func updateText(update func(*podio.Client, context.Context, int64, string, podio.WriteOptions) error) func(*run, context.Context, *obj) error {
	return func(r *run, ctx context.Context, o *obj) error {
		return update(r.m, ctx, o.id, stamp("devhook trigger "+r.typ), podio.WriteOptions{})
	}
}

// titleField returns the external_id of the app's field to write a title
// into: "title" if it is a text field, else its first text field, else
// "" (no text field). An app the mock does not know yet gets "title": a
// permissive mock creates both.
func (r *run) titleField(ctx context.Context, appID int64) (string, error) {
	a, err := r.app(ctx, appID)
	if err != nil || a.missing {
		return "title", err
	}
	first := ""
	for _, f := range a.Fields {
		if f.Type != "text" {
			continue
		}
		if f.ExternalID == "title" {
			return f.ExternalID, nil
		}
		if first == "" {
			first = f.ExternalID
		}
	}
	return first, nil
}

// updateItem changes the item's title, or its external_id: --set's, else
// a new one when the app has no text field.
func updateItem(r *run, ctx context.Context, o *obj) error {
	field, err := r.titleField(ctx, o.app)
	if err != nil {
		return err
	}
	fields := map[string]any{}
	if field != "" {
		fields[field] = stamp("devhook trigger " + r.typ)
	}
	var opts podio.WriteOptions
	if ext, ok := r.set["external_id"]; ok {
		opts.ExternalID = ext
	} else if field == "" {
		opts.ExternalID = stamp("devhook-trigger")
	}
	up, err := r.m.UpdateItem(ctx, o.id, fields, opts)
	if err == nil && !up.Changed {
		err = fmt.Errorf("item %d did not change (the mock answered 204), so no %s fired", o.id, r.typ)
	}
	return err
}

// updateApp updates the app with its own name: the update changes
// nothing, and still fires.
func updateApp(r *run, ctx context.Context, o *obj) error {
	a, err := r.m.GetApp(ctx, o.id)
	if err != nil {
		return err
	}
	return r.m.UpdateApp(ctx, o.id, podio.AppConfig{Name: a.Name}, podio.WriteOptions{})
}

func updateForm(r *run, ctx context.Context, o *obj) error {
	return r.m.UpdateForm(ctx, o.id, []string{"devhook-trigger.example"}, podio.WriteOptions{})
}

func addTag(r *run, ctx context.Context, o *obj) error {
	o.tag = stamp("devhook-trigger")
	return r.m.AddTags(ctx, "item", o.id, []string{o.tag}, podio.WriteOptions{})
}

// removeTag tags the item with hook=false, then removes the tag.
func removeTag(r *run, ctx context.Context, o *obj) error {
	o.tag = stamp("devhook-trigger")
	if err := r.m.AddTags(ctx, "item", o.id, []string{o.tag}, podio.WriteOptions{NoHook: true}); err != nil {
		return err
	}
	r.note(o.fill("tagged item {id} {tag}"))
	return r.m.RemoveTag(ctx, "item", o.id, o.tag, podio.WriteOptions{})
}

// isMember reports whether the user is an active member of the space.
func (r *run) isMember(ctx context.Context, o *obj) (bool, error) {
	m, err := r.m.GetSpaceMember(ctx, o.space, o.id)
	if errors.Is(err, podio.ErrNotFound) {
		return false, nil
	}
	return m.Active, err
}

// addMember adds the user to the space, ending a membership first with
// hook=false.
func addMember(r *run, ctx context.Context, o *obj) error {
	if in, err := r.isMember(ctx, o); err != nil || in {
		if err == nil {
			err = r.m.EndSpaceMemberships(ctx, o.space, []int64{o.id}, podio.WriteOptions{NoHook: true})
		}
		if err != nil {
			return err
		}
		r.note(o.fill("ended user {id}'s membership of space {space}"))
	}
	return r.m.AddSpaceMembers(ctx, o.space, "regular", []int64{o.id}, podio.WriteOptions{})
}

// removeMember ends the user's membership, adding the user first with
// hook=false.
func removeMember(r *run, ctx context.Context, o *obj) error {
	if in, err := r.isMember(ctx, o); err != nil || !in {
		if err == nil {
			err = r.m.AddSpaceMembers(ctx, o.space, "regular", []int64{o.id}, podio.WriteOptions{NoHook: true})
		}
		if err != nil {
			return err
		}
		r.note(o.fill("added user {id} to space {space}"))
	}
	return r.m.EndSpaceMemberships(ctx, o.space, []int64{o.id}, podio.WriteOptions{})
}

// fileActions are the action_type values of file.change, and what
// trigger does for each on the item.
var fileActions = map[string]string{
	"file_created":  "attached file {file} to item {id} in app {app}",
	"file_replaced": "replaced file {file} of item {id} in app {app} with file {new}",
	"file_deleted":  "deleted file {file} of item {id} in app {app}",
}

// checkFileAction refuses an action_type trigger cannot perform.
func checkFileAction(set map[string]string) error {
	if a, ok := set["action_type"]; ok && fileActions[a] == "" {
		return usagef("--set action_type must be file_created, file_replaced or file_deleted, not %q", a)
	}
	return nil
}

// changeFile attaches a file to the item (file_created), or attaches one
// with hook=false and then replaces or deletes it.
func changeFile(r *run, ctx context.Context, o *obj) error {
	action := cmp.Or(r.set["action_type"], "file_created")
	o.did, o.event = fileActions[action], " ("+action+")"
	var err error
	if o.file, err = r.uploadFile(ctx); err != nil {
		return err
	}
	created := action == "file_created"
	if err := r.m.AttachFile(ctx, o.file, "item", o.id, podio.WriteOptions{NoHook: !created}); err != nil || created {
		return err
	}
	r.note(o.fill("attached file {file} to item {id}"))
	if action == "file_deleted" {
		return r.m.DeleteFile(ctx, o.file, podio.WriteOptions{})
	}
	if o.newFile, err = r.uploadFile(ctx); err != nil {
		return err
	}
	return r.m.ReplaceFile(ctx, o.newFile, o.file, podio.WriteOptions{})
}

// uploadFile uploads a small text file and returns its id.
func (r *run) uploadFile(ctx context.Context) (int64, error) {
	f, err := r.m.UploadFile(ctx, "devhook-trigger.txt", []byte(stamp("devhook trigger "+r.typ)+"\n"))
	return f.FileID, err
}

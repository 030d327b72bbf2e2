package mockpodio_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/devhookhq/devhook/mockpodio"
)

func TestControlObjects(t *testing.T) {
	w := newW2World(t)
	mustStatus(t, "end", do(t, w.s, w.token, "DELETE", "/space/2001/member/1001", nil), 204)
	ended := clockStart
	want := mockpodio.Objects{
		Orgs:    []mockpodio.ObjectOrg{{OrgID: 601, Name: "Devhook"}},
		Spaces:  []mockpodio.ObjectSpace{{SpaceID: 2001, Name: "Devhook Sandbox", OrgID: 601}},
		Members: []mockpodio.ObjectMember{{SpaceID: 2001, UserID: 1001, Role: "admin", EndedOn: &ended}},
		Files: []mockpodio.ObjectFile{
			{FileID: w.ids["attached"], Name: "a.txt", Mimetype: "text/plain", Size: len("attached bytes"), RefType: "item", RefID: w.ids["item"]},
			{FileID: w.ids["free"], Name: "hello.txt", Mimetype: "text/plain", Size: len(w.freeFileData)},
		},
		Statuses: []mockpodio.ObjectStatus{{StatusID: w.ids["status"], SpaceID: 2001, Value: "hi"}},
		Forms:    []mockpodio.ObjectForm{{FormID: w.ids["form"], AppID: seedAppID, Status: "active"}},
		Tags: []mockpodio.ObjectItemTag{
			{ItemID: w.ids["item"], AppID: seedAppID, Tags: []string{"a", "b"}},
			{ItemID: w.ids["item2"], AppID: seedAppID, Tags: []string{"b"}},
		},
	}
	if diff := cmp.Diff(want, w.s.Objects()); diff != "" {
		t.Errorf("Objects() (-want +got):\n%s", diff)
	}
	res := control(t, w.s, "GET", "objects", nil)
	mustStatus(t, "GET /_mock/objects", res, 200)
	var got mockpodio.Objects
	decodeJSON(t, res.Raw, &got)
	// JSON times come back in UTC without a monotonic reading.
	for i := range got.Members {
		if e := got.Members[i].EndedOn; e != nil {
			u := e.In(time.UTC)
			got.Members[i].EndedOn = &u
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET /_mock/objects (-want +got):\n%s", diff)
	}
}

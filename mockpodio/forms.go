package mockpodio

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/devhookhq/devhook/fixtures"
)

// Webforms (https://developers.podio.com/doc/forms): made on an app, they fire
// form.create, form.update (activate and deactivate included) and
// form.delete on the app's hooks.

// Form choices the reference leaves open.
const (
	// formNewStatus is a new form's status. INFERRED.
	formNewStatus = "active"
	// Deactivating a form that is already disabled is refused, as
	// activating an active one is ("Only disabled forms can be
	// enabled"). INFERRED.
)

// form is a webform. Settings are kept as sent.
type form struct {
	ID          int64           `json:"form_id"`
	AppID       int64           `json:"app_id"`
	Status      string          `json:"status"` // "active" or "disabled"
	Settings    json.RawMessage `json:"settings,omitempty"`
	Domains     []string        `json:"domains"`
	Fields      []formField     `json:"fields"`
	Attachments bool            `json:"attachments"`
	Deleted     bool            `json:"deleted"`
}

type formField struct {
	FieldID  int64           `json:"field_id"`
	Settings json.RawMessage `json:"settings,omitempty"`
}

type formWrite struct {
	Settings    json.RawMessage `json:"settings"`
	Domains     *[]string       `json:"domains"`
	Fields      *[]formField    `json:"fields"`
	Attachments *bool           `json:"attachments"`
}

// check refuses fields that are not the app's, and settings that are not
// an object.
func (s *Server) checkFormWriteLocked(a *app, body formWrite) error {
	if len(body.Settings) > 0 && string(body.Settings) != "null" && body.Settings[0] != '{' {
		return invalid("Invalid settings: must be an object")
	}
	if body.Fields != nil {
		for i, f := range *body.Fields {
			if fl, ok := s.fields[f.FieldID]; !ok || fl.AppID != a.ID {
				return invalid("Invalid fields[%d]: field %d is not a field of app %d", i, f.FieldID, a.ID)
			}
			if len(f.Settings) > 0 && string(f.Settings) != "null" && f.Settings[0] != '{' {
				return invalid("Invalid fields[%d].settings: must be an object", i)
			}
		}
	}
	return nil
}

func (f *form) apply(body formWrite) {
	if len(body.Settings) > 0 {
		f.Settings = append(json.RawMessage(nil), body.Settings...)
	}
	if body.Domains != nil {
		f.Domains = append([]string{}, *body.Domains...)
	}
	if body.Fields != nil {
		f.Fields = append([]formField{}, *body.Fields...)
	}
	if body.Attachments != nil {
		f.Attachments = *body.Attachments
	}
}

func formParams(f *form) []param {
	return []param{{"form_id", strconv.FormatInt(f.ID, 10)}, {"app_id", strconv.FormatInt(f.AppID, 10)}}
}

func (s *Server) fireFormLocked(c *call, f *form, typ string) {
	if c.hooksEnabled() {
		s.fireLocked(typ, formParams(f), target{fixtures.RefApp, f.AppID})
	}
}

// formCreateJSON is the answer of POST /form/app/{app_id}/.
type formCreateJSON struct {
	FormID int64 `json:"form_id"`
}

func (s *Server) handleCreateForm(c *call) (int, any, error) {
	var body formWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.liveAppLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkFormWriteLocked(a, body); err != nil {
		return 0, nil, err
	}
	f := &form{ID: next(&s.ids.form), AppID: a.ID, Status: formNewStatus, Domains: []string{}, Fields: []formField{}}
	f.apply(body)
	s.forms[f.ID] = f
	s.touchLocked(kindForms, f.ID)
	s.fireFormLocked(c, f, "form.create")
	return http.StatusOK, formCreateJSON{FormID: f.ID}, nil
}

func (s *Server) liveFormLocked(c *call) (*form, error) {
	id, err := c.id("form_id")
	if err != nil {
		return nil, err
	}
	f, ok := s.forms[id]
	if !ok || f.Deleted {
		return nil, notFound("form", id)
	}
	if a, ok := s.apps[f.AppID]; !ok || a.Deleted {
		return nil, notFound("form", id)
	}
	return f, nil
}

func (s *Server) handleGetForm(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFormLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.formJSONLocked(f), nil
}

func (s *Server) handleListForms(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.liveAppLocked(c)
	if err != nil {
		return 0, nil, err
	}
	out := []formJSON{}
	for _, id := range sortedKeys(s.forms) {
		if f := s.forms[id]; f.AppID == a.ID && !f.Deleted {
			out = append(out, s.formJSONLocked(f))
		}
	}
	return http.StatusOK, out, nil
}

func (s *Server) handleUpdateForm(c *call) (int, any, error) {
	var body formWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFormLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if err := s.checkFormWriteLocked(s.apps[f.AppID], body); err != nil {
		return 0, nil, err
	}
	f.apply(body)
	s.touchLocked(kindForms, f.ID)
	s.fireFormLocked(c, f, "form.update")
	return statusNoContent, nil, nil
}

func (s *Server) handleDeleteForm(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFormLocked(c)
	if err != nil {
		return 0, nil, err
	}
	f.Deleted = true
	s.touchLocked(kindForms, f.ID)
	s.fireFormLocked(c, f, "form.delete")
	return statusNoContent, nil, nil
}

func (s *Server) handleActivateForm(c *call) (int, any, error) { return s.setFormStatus(c, "active") }

func (s *Server) handleDeactivateForm(c *call) (int, any, error) {
	return s.setFormStatus(c, "disabled")
}

func (s *Server) setFormStatus(c *call, status string) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.liveFormLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if f.Status == status {
		if status == "active" {
			return 0, nil, invalid("Only disabled forms can be enabled")
		}
		return 0, nil, invalid("Only active forms can be disabled")
	}
	f.Status = status
	s.touchLocked(kindForms, f.ID)
	s.fireFormLocked(c, f, "form.update")
	return statusNoContent, nil, nil
}

// formJSON is Podio's Form (net Models/Form.cs).
type formJSON struct {
	FormID      int64           `json:"form_id"`
	AppID       int64           `json:"app_id"`
	SpaceID     int64           `json:"space_id"`
	Status      string          `json:"status"`
	Settings    json.RawMessage `json:"settings"`
	Domains     []string        `json:"domains"`
	Fields      []formField     `json:"fields"`
	Attachments bool            `json:"attachments"`
}

func (s *Server) formJSONLocked(f *form) formJSON {
	settings := f.Settings
	if len(settings) == 0 || string(settings) == "null" {
		settings = json.RawMessage(`{}`)
	}
	return formJSON{FormID: f.ID, AppID: f.AppID, SpaceID: s.apps[f.AppID].SpaceID, Status: f.Status, Settings: settings,
		Domains: nonNil(f.Domains), Fields: nonNil(f.Fields), Attachments: f.Attachments}
}

package mockpodio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/devhookhq/devhook/fixtures"
)

type appConfig struct {
	Name     *string `json:"name"`
	ItemName *string `json:"item_name"`
}

type appFieldWrite struct {
	Type       string `json:"type"`
	ExternalID string `json:"external_id"`
	Config     struct {
		Label    string `json:"label"`
		Settings struct {
			Options []fieldOption `json:"options"`
		} `json:"settings"`
	} `json:"config"`
}

type appWrite struct {
	SpaceID any             `json:"space_id"`
	Config  appConfig       `json:"config"`
	Fields  []appFieldWrite `json:"fields"`
}

func (s *Server) handleCreateApp(c *call) (int, any, error) {
	var body appWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	spaceID, ok := parseID(toString(body.SpaceID))
	if !ok {
		return 0, nil, invalid("space_id is required and must be a positive integer")
	}
	if body.Config.Name == nil || strings.TrimSpace(*body.Config.Name) == "" {
		return 0, nil, invalid("config.name is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	undo := s.checkpointLocked()
	if _, ok := s.spaces[spaceID]; !ok {
		if s.Strict {
			return 0, nil, notFound("space", spaceID)
		}
		s.spaces[spaceID] = &space{ID: spaceID, Name: "Space " + strconv.FormatInt(spaceID, 10)}
		s.ids.space = max(s.ids.space, spaceID)
		s.touchLocked(kindSpaces, spaceID)
	}
	itemName := "Item"
	if body.Config.ItemName != nil {
		itemName = *body.Config.ItemName
	}
	a := s.createAppLocked(0, spaceID, *body.Config.Name, itemName)
	if err := s.addAppFieldsLocked(a, body.Fields); err != nil {
		undo() // the space, the app, its fields and their ids
		return 0, nil, err
	}
	if c.hooksEnabled() {
		s.fireLocked("app.create", appParams(a), target{fixtures.RefSpace, spaceID})
	}
	return http.StatusOK, map[string]any{"app_id": a.ID}, nil
}

func (s *Server) addAppFieldsLocked(a *app, fs []appFieldWrite) error {
	for i, fw := range fs {
		if !fieldTypes[fw.Type] {
			return invalid("Invalid fields[%d].type %q", i, fw.Type)
		}
		ext := fw.ExternalID
		if ext == "" {
			ext = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(fw.Config.Label), " ", "-"))
		}
		if ext == "" {
			return invalid("fields[%d] needs config.label or external_id", i)
		}
		for _, id := range a.FieldIDs {
			if s.fields[id].ExternalID == ext {
				return invalid("fields[%d]: external_id %q is already used in the app", i, ext)
			}
		}
		f := &field{ID: next(&s.ids.field), AppID: a.ID, ExternalID: ext, Label: fw.Config.Label, Type: fw.Type,
			Options: fw.Config.Settings.Options}
		s.fields[f.ID] = f
		a.FieldIDs = append(a.FieldIDs, f.ID)
		s.touchLocked(kindFields, f.ID)
		s.touchLocked(kindApps, a.ID)
	}
	return nil
}

func appParams(a *app) []param { return []param{{"app_id", strconv.FormatInt(a.ID, 10)}} }

func (s *Server) liveAppLocked(c *call) (*app, error) {
	id, err := c.id("app_id")
	if err != nil {
		return nil, err
	}
	a, ok := s.apps[id]
	if !ok || a.Deleted {
		return nil, notFound("app", id)
	}
	return a, nil
}

func (s *Server) handleGetApp(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.liveAppLocked(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.appJSONLocked(a), nil
}

func (s *Server) handleUpdateApp(c *call) (int, any, error) {
	var body appWrite
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.liveAppLocked(c)
	if err != nil {
		return 0, nil, err
	}
	s.touchLocked(kindApps, a.ID)
	if body.Config.Name != nil {
		if strings.TrimSpace(*body.Config.Name) == "" {
			return 0, nil, invalid("config.name cannot be empty")
		}
		a.Name = *body.Config.Name
	}
	if body.Config.ItemName != nil {
		a.ItemName = *body.Config.ItemName
	}
	if err := s.addAppFieldsLocked(a, body.Fields); err != nil {
		return 0, nil, err
	}
	if c.hooksEnabled() {
		s.fireLocked("app.update", appParams(a), target{fixtures.RefApp, a.ID})
	}
	return statusNoContent, nil, nil
}

func (s *Server) handleDeleteApp(c *call) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.liveAppLocked(c)
	if err != nil {
		return 0, nil, err
	}
	if c.hooksEnabled() {
		s.fireLocked("app.delete", appParams(a), target{fixtures.RefApp, a.ID})
	}
	a.Deleted = true
	s.touchLocked(kindApps, a.ID)
	return statusNoContent, nil, nil
}

// appJSON is an app as Podio's API returns it
// (https://developers.podio.com/doc/applications), as far as the mock
// keeps one. Its fields are in the order of their keys, as the maps it
// replaced encoded them.
type appJSON struct {
	AppID   int64          `json:"app_id"`
	Config  appConfigJSON  `json:"config"`
	Fields  []appFieldJSON `json:"fields"`
	Link    string         `json:"link"`
	SpaceID int64          `json:"space_id"`
	Status  string         `json:"status"`
}

type appConfigJSON struct {
	ItemName string `json:"item_name"`
	Name     string `json:"name"`
}

type appFieldJSON struct {
	Config     appFieldConfigJSON `json:"config"`
	ExternalID string             `json:"external_id"`
	FieldID    int64              `json:"field_id"`
	Label      string             `json:"label"`
	Status     string             `json:"status"`
	Type       string             `json:"type"`
}

type appFieldConfigJSON struct {
	Label    string                `json:"label"`
	Settings *appFieldSettingsJSON `json:"settings,omitempty"` // category fields only
}

type appFieldSettingsJSON struct {
	Options []fieldOption `json:"options"`
}

func (s *Server) appJSONLocked(a *app) appJSON {
	fields := make([]appFieldJSON, 0, len(a.FieldIDs))
	for _, fid := range a.FieldIDs {
		f := s.fields[fid]
		cfg := appFieldConfigJSON{Label: f.Label}
		if f.Type == "category" {
			cfg.Settings = &appFieldSettingsJSON{Options: f.Options}
		}
		fields = append(fields, appFieldJSON{FieldID: f.ID, ExternalID: f.ExternalID, Type: f.Type, Label: f.Label, Status: "active", Config: cfg})
	}
	return appJSON{
		AppID: a.ID, SpaceID: a.SpaceID, Status: "active",
		Config: appConfigJSON{Name: a.Name, ItemName: a.ItemName},
		Fields: fields, Link: "https://podio.com/mock/apps/" + strconv.FormatInt(a.ID, 10),
	}
}

// toString renders a JSON scalar (string or number) as a string.
func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

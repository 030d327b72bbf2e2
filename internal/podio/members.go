package podio

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// SpaceMember is a user's membership of a space: what devhook needs of it.
type SpaceMember struct {
	// UserID is the member's user id.
	UserID int64
	// Role is light, regular or admin.
	Role string
	// Active is false once the membership has ended.
	Active bool
}

// AddSpaceMembers adds users to a space with POST /space/{spaceID}/member/
// in role (light, regular or admin). Each new member fires member.add on
// the space unless opts.NoHook.
func (c *Client) AddSpaceMembers(ctx context.Context, spaceID int64, role string, userIDs []int64, opts WriteOptions) error {
	in := struct {
		Role  string  `json:"role"`
		Users []int64 `json:"users"`
	}{role, userIDs}
	if _, err := c.call(ctx, http.MethodPost, "/space/"+id(spaceID)+"/member/", opts.query(), in, nil); err != nil {
		return fmt.Errorf("add members to space %d: %w", spaceID, err)
	}
	return nil
}

// EndSpaceMemberships ends users' memberships of a space with
// DELETE /space/{spaceID}/member/{ids}, the ids comma-separated. Each
// fires member.remove unless opts.NoHook.
func (c *Client) EndSpaceMemberships(ctx context.Context, spaceID int64, userIDs []int64, opts WriteOptions) error {
	ids := make([]string, len(userIDs))
	for i, u := range userIDs {
		ids[i] = id(u)
	}
	if _, err := c.call(ctx, http.MethodDelete, "/space/"+id(spaceID)+"/member/"+strings.Join(ids, ","), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("end memberships of space %d: %w", spaceID, err)
	}
	return nil
}

// GetSpaceMember returns a user's membership of a space with
// GET /space/{spaceID}/member/{userID}; an ended one too (Active false).
func (c *Client) GetSpaceMember(ctx context.Context, spaceID, userID int64) (SpaceMember, error) {
	var out struct {
		User struct {
			UserID int64 `json:"user_id"`
		} `json:"user"`
		Role    string  `json:"role"`
		EndedOn *string `json:"ended_on"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/space/"+id(spaceID)+"/member/"+id(userID), nil, nil, &out); err != nil {
		return SpaceMember{}, fmt.Errorf("get member %d of space %d: %w", userID, spaceID, err)
	}
	return SpaceMember{UserID: out.User.UserID, Role: out.Role, Active: out.EndedOn == nil}, nil
}

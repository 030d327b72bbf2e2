package podio

import (
	"context"
	"fmt"
	"net/http"
)

// Comment is a comment as GET /comment/{comment_id} returns it.
type Comment struct {
	// CommentID is the comment's id.
	CommentID int64
	// Value is the comment's text.
	Value string
	// RefType and RefID are what it comments on, such as "item" 42.
	RefType string
	RefID   int64
}

// CreateComment comments on an object with POST
// /comment/{refType}/{refID}/, body {"value"}, and returns the comment's
// id. refType is "item" for an item. opts.NoHook keeps it from firing
// comment.create; opts.ExternalID is not used.
func (c *Client) CreateComment(ctx context.Context, refType string, refID int64, value string, opts WriteOptions) (int64, error) {
	in := struct {
		Value string `json:"value"`
	}{value}
	var out struct {
		CommentID int64 `json:"comment_id"`
	}
	if _, err := c.call(ctx, http.MethodPost, refPath("/comment/", refType, refID), opts.query(), in, &out); err != nil {
		return 0, fmt.Errorf("comment on %s %d: %w", refType, refID, err)
	}
	return out.CommentID, nil
}

// GetComment returns a comment with GET /comment/{commentID}.
func (c *Client) GetComment(ctx context.Context, commentID int64) (Comment, error) {
	var out struct {
		CommentID int64  `json:"comment_id"`
		Value     string `json:"value"`
		Ref       struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"ref"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/comment/"+id(commentID), nil, nil, &out); err != nil {
		return Comment{}, fmt.Errorf("get comment %d: %w", commentID, err)
	}
	return Comment{CommentID: out.CommentID, Value: out.Value, RefType: out.Ref.Type, RefID: out.Ref.ID}, nil
}

// DeleteComment deletes a comment with DELETE /comment/{commentID}.
func (c *Client) DeleteComment(ctx context.Context, commentID int64, opts WriteOptions) error {
	if _, err := c.call(ctx, http.MethodDelete, "/comment/"+id(commentID), opts.query(), nil, nil); err != nil {
		return fmt.Errorf("delete comment %d: %w", commentID, err)
	}
	return nil
}

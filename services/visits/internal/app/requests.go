package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// Limits of a customer's request, checked here and reported field by field by the API.
const (
	MaxRequestText = 2000 // characters of a request's text, and of its answer
	// RequestClockSkew is how far in the future a receive time may be (the
	// channel's clock may run ahead of ours).
	RequestClockSkew = time.Minute
)

// ChannelPattern is what a request's channel looks like (e.g. app, wechat, web).
var ChannelPattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// RequestAt is a customer's request as read at At, which decides its state.
type RequestAt struct {
	sqlstore.Request
	At time.Time
}

// NewRequest is a customer's request as it arrives.
type NewRequest struct {
	CustomerID  string
	Channel     string // optional
	Text        string
	ReceiveTime time.Time // zero: now
}

// requestTime is a time as the store keeps it.
func requestTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// shownTime writes a time for people (Beijing time).
func shownTime(t time.Time) string { return t.In(civil.Shanghai).Format(time.RFC3339) }

// checkRequestText validates the text of a request or an answer (already trimmed).
func checkRequestText(field, s string) error {
	if n := len([]rune(s)); n == 0 || n > MaxRequestText {
		return fmt.Errorf("%w: %s: 1 to %d characters", plan.ErrInvalid, field, MaxRequestText)
	}
	return nil
}

// CreateRequest records a customer's request for the customer's primary manager,
// due within 24 hours of its receipt. It is recorded by a system (the online
// channel), by the manager, or by a supervisor or branch head over the customer's
// unit.
func (a *App) CreateRequest(ctx context.Context, in NewRequest) (RequestAt, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return RequestAt{}, err
	}
	now := requestTime(a.now())
	in.Text, in.Channel = strings.TrimSpace(in.Text), strings.TrimSpace(in.Channel)
	if err := checkRequestText("text", in.Text); err != nil {
		return RequestAt{}, err
	}
	if in.Channel != "" && !ChannelPattern.MatchString(in.Channel) {
		return RequestAt{}, fmt.Errorf("%w: channel: at most 32 of a-z, 0-9, _ and -; got %q", plan.ErrInvalid, in.Channel)
	}
	receive := now
	if !in.ReceiveTime.IsZero() {
		receive = requestTime(in.ReceiveTime)
		switch {
		case receive.After(now.Add(RequestClockSkew)):
			return RequestAt{}, fmt.Errorf("%w: receive_time: %s is in the future (now %s)", plan.ErrInvalid,
				shownTime(receive), shownTime(now))
		case receive.Before(now.Add(-sqlstore.RequestWindow)):
			return RequestAt{}, fmt.Errorf("%w: receive_time: %s is more than 24 hours ago; a request is recorded within its answer window",
				plan.ErrInvalid, shownTime(receive))
		case receive.After(now):
			receive = now // within the skew allowed: it arrives now
		}
	}
	cu, ok, err := a.store.Customer(ctx, in.CustomerID)
	if err != nil {
		return RequestAt{}, err
	}
	if !ok {
		return RequestAt{}, fmt.Errorf("%w: customers/%s", ErrNotFound, in.CustomerID)
	}
	paths, err := a.orgPaths(ctx)
	if err != nil {
		return RequestAt{}, err
	}
	path := paths[cu.OrgUnitID]
	if !c.Has(auth.System) && c.Subject != cu.ManagerID && !c.oversees(path) {
		return RequestAt{}, fmt.Errorf("%w: requests of customers/%s are recorded by the online channel, %s (their manager) "+
			"or a supervisor or branch head over them", ErrPermission, cu.ID, cu.ManagerID)
	}
	if cu.ManagerID == "" {
		return RequestAt{}, fmt.Errorf("%w: customers/%s has no primary manager to answer the request", plan.ErrState, cu.ID)
	}
	r := sqlstore.Request{ID: newID(), CustomerID: cu.ID, CustomerName: cu.Name, ManagerID: cu.ManagerID,
		OrgUnitID: cu.OrgUnitID, OrgPath: path, Channel: in.Channel, Text: in.Text, ReceiveTime: receive,
		Deadline: receive.Add(sqlstore.RequestWindow), CreateTime: now}
	if err := a.store.InsertRequest(ctx, r); err != nil {
		return RequestAt{}, err
	}
	return RequestAt{Request: r, At: now}, nil
}

// Request reads one request the caller may see (else NotFound).
func (a *App) Request(ctx context.Context, id string) (RequestAt, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return RequestAt{}, err
	}
	r, err := a.requestFor(ctx, c, id)
	return RequestAt{Request: r, At: requestTime(a.now())}, err
}

// requestFor reads a request c may see: its manager's, or in c's subtree.
func (a *App) requestFor(ctx context.Context, c Caller, id string) (sqlstore.Request, error) {
	r, err := a.store.Request(ctx, id)
	if err != nil {
		return r, err
	}
	if !c.sees(r.ManagerID, r.OrgPath) {
		return sqlstore.Request{}, fmt.Errorf("%w: requests/%s", ErrNotFound, id)
	}
	return r, nil
}

// ListRequests lists one page of requests in the caller's scope (of manager, if
// given), newest receipt first; a state filter means the state now.
func (a *App) ListRequests(ctx context.Context, req aip.Request, manager string) ([]RequestAt, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	now := requestTime(a.now())
	list, next, err := a.store.ListRequests(ctx, req, c.scope(), manager, now)
	if err != nil {
		return nil, "", err
	}
	out := make([]RequestAt, len(list))
	for i, r := range list {
		out[i] = RequestAt{Request: r, At: now}
	}
	return out, next, nil
}

// AnswerRequest stores the answer to a request: by the manager who holds it, or a
// supervisor or branch head over it (overdue requests are escalated to them), or
// a system. A request is answered once. It returns the request before and after.
func (a *App) AnswerRequest(ctx context.Context, id, answer string) (RequestAt, RequestAt, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return RequestAt{}, RequestAt{}, err
	}
	answer = strings.TrimSpace(answer)
	if err := checkRequestText("answer", answer); err != nil {
		return RequestAt{}, RequestAt{}, err
	}
	r, err := a.requestFor(ctx, c, id)
	if err != nil {
		return RequestAt{}, RequestAt{}, err
	}
	now := requestTime(a.now())
	before := RequestAt{Request: r, At: now}
	if r.Answered() {
		return before, before, fmt.Errorf("%w: requests/%s was answered already, at %s by %s", plan.ErrState, id,
			shownTime(r.AnswerTime), r.AnsweredBy)
	}
	if !c.Has(auth.System) && c.Subject != r.ManagerID && !c.oversees(r.OrgPath) {
		return before, before, fmt.Errorf("%w: requests/%s is answered by %s, who holds it, or a supervisor or branch head over them",
			ErrPermission, id, r.ManagerID)
	}
	if err := a.store.AnswerRequest(ctx, id, r.ManagerID, answer, c.Subject, now); err != nil {
		if !errors.Is(err, sqlstore.ErrConflict) {
			return before, before, err
		}
		cur, rerr := a.store.Request(ctx, id)
		switch {
		case rerr != nil:
			return before, before, fmt.Errorf("%w: requests/%s changed at the same time; read it again", ErrConflict, id)
		case cur.Answered():
			return before, before, fmt.Errorf("%w: requests/%s was answered at the same time, at %s by %s", ErrConflict, id,
				shownTime(cur.AnswerTime), cur.AnsweredBy)
		default:
			return before, before, fmt.Errorf("%w: requests/%s was handed over to %s at the same time; read it again", ErrConflict, id,
				cur.ManagerID)
		}
	}
	after := r
	after.Answer, after.AnsweredBy, after.AnswerTime = answer, c.Subject, now
	return before, RequestAt{Request: after, At: now}, nil
}

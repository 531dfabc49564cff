// Package apierr turns errors into the gRPC statuses clients see.
//
// Each service declares one Table from its domain sentinel errors to gRPC codes; the
// server's error interceptor applies it to every error a handler returns. Errors that
// match a rule keep their message (domain messages are written for people); field
// validation errors become InvalidArgument with a google.rpc.BadRequest listing every
// violation; anything unknown becomes Internal with a generic message, and the cause is
// logged by the interceptor.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/aip"
)

// Kit-level sentinels, mapped by every table.
var (
	// ErrRequestIDReused: a request_id was sent again with a different request.
	ErrRequestIDReused = errors.New("request_id already used for a different request")
	// ErrEtagMismatch: the caller's etag is stale.
	ErrEtagMismatch = errors.New("the resource changed since it was read; read it again and retry with the new etag")
)

// Rule maps one sentinel error (matched with errors.Is) to a code.
type Rule struct {
	Err  error
	Code codes.Code
}

// Table maps a service's domain errors to codes; the first matching rule wins.
type Table []Rule

var kitRules = Table{
	{ErrRequestIDReused, codes.AlreadyExists},
	{ErrEtagMismatch, codes.Aborted},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
	{context.Canceled, codes.Canceled},
}

// Status converts err for a client. internal reports that err matched nothing and
// became Internal: the caller should log the cause.
func (t Table) Status(err error) (st *status.Status, internal bool) {
	if err == nil {
		return nil, false
	}
	if s, ok := status.FromError(err); ok {
		return s, false
	}
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.GRPCStatus(), false
	}
	var listErr *aip.Error // bad filter, order_by, page_size or page_token
	if errors.As(err, &listErr) {
		inv := &InvalidError{Violations: []FieldViolation{{Field: listErr.Field, Description: listErr.Description}}}
		return inv.GRPCStatus(), false
	}
	for _, rules := range []Table{t, kitRules} {
		for _, r := range rules {
			if errors.Is(err, r.Err) {
				return status.New(r.Code, err.Error()), false
			}
		}
	}
	return status.New(codes.Internal, "internal error"), true
}

// FieldViolation names a request field and what is wrong with it.
type FieldViolation struct {
	Field       string // dotted path as in the request, e.g. "org_unit.display_name"
	Description string
}

// InvalidError is a request that failed validation; it lists every violation.
type InvalidError struct {
	Violations []FieldViolation
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// GRPCStatus is InvalidArgument with a google.rpc.BadRequest detail.
func (e *InvalidError) GRPCStatus() *status.Status {
	st := status.New(codes.InvalidArgument, e.Error())
	br := &errdetails.BadRequest{}
	for _, v := range e.Violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field: v.Field, Description: v.Description,
		})
	}
	if withDetails, err := st.WithDetails(br); err == nil {
		return withDetails
	}
	return st
}

// Violations collects field violations while a request is checked.
type Violations struct {
	list []FieldViolation
}

// Add records that field is wrong, with an actionable description.
func (v *Violations) Add(field, format string, args ...any) {
	v.list = append(v.list, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Empty reports whether nothing was recorded.
func (v *Violations) Empty() bool { return len(v.list) == 0 }

// Err returns nil when nothing was recorded, else an *InvalidError.
func (v *Violations) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	return &InvalidError{Violations: append([]FieldViolation(nil), v.list...)}
}

// Invalid is a one-violation *InvalidError.
func Invalid(field, format string, args ...any) error {
	var v Violations
	v.Add(field, format, args...)
	return v.Err()
}

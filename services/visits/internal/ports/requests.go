package ports

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
)

var requestRE = regexp.MustCompile(`^requests/([a-f0-9]{1,64})$`)

func requestName(v *apierr.Violations, field, name string) string {
	m := requestRE.FindStringSubmatch(name)
	if m == nil {
		v.Add(field, "want requests/{id}, e.g. requests/3f9c2a7b1d0e4c58; got %q", name)
		return ""
	}
	return m[1]
}

func requestText(v *apierr.Violations, field, s string) string {
	s = strings.TrimSpace(s)
	if n := len([]rune(s)); n == 0 || n > app.MaxRequestText {
		v.Add(field, "1 to %d characters", app.MaxRequestText)
	}
	return s
}

// CreateCustomerRequest records a customer's request.
func (s *Server) CreateCustomerRequest(ctx context.Context, req *visitsv1.CreateCustomerRequestRequest) (*visitsv1.CustomerRequest, error) {
	var v apierr.Violations
	in := req.GetRequest()
	if in == nil {
		v.Add("request", "required: the customer, the text and, if known, when it was sent")
	}
	nr := fromProtoRequest(&v, in)
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.CustomerRequest, error) {
		r, err := s.app.CreateRequest(ctx, nr)
		if err != nil {
			return nil, err
		}
		out := toProtoRequest(r)
		return out, audit.Record(ctx, audit.Change{ObjectType: "CustomerRequest", Object: out.GetName(), OrgPath: r.OrgPath, After: out})
	})
}

// GetCustomerRequest reads one request.
func (s *Server) GetCustomerRequest(ctx context.Context, req *visitsv1.GetCustomerRequestRequest) (*visitsv1.CustomerRequest, error) {
	var v apierr.Violations
	id := requestName(&v, "name", req.GetName())
	if err := v.Err(); err != nil {
		return nil, err
	}
	r, err := s.app.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoRequest(r), nil
}

// ListCustomerRequests lists requests.
func (s *Server) ListCustomerRequests(ctx context.Context, req *visitsv1.ListCustomerRequestsRequest) (*visitsv1.ListCustomerRequestsResponse, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.ListRequests(ctx, listRequest(req), manager)
	if err != nil {
		return nil, err
	}
	resp := &visitsv1.ListCustomerRequestsResponse{NextPageToken: next}
	for _, r := range list {
		resp.Requests = append(resp.Requests, toProtoRequest(r))
	}
	return resp, nil
}

// AnswerCustomerRequest answers a request.
func (s *Server) AnswerCustomerRequest(ctx context.Context, req *visitsv1.AnswerCustomerRequestRequest) (*visitsv1.CustomerRequest, error) {
	var v apierr.Violations
	id := requestName(&v, "name", req.GetName())
	answer := requestText(&v, "answer", req.GetAnswer())
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.CustomerRequest, error) {
		before, after, err := s.app.AnswerRequest(ctx, id, answer)
		if err != nil {
			return nil, err
		}
		out := toProtoRequest(after)
		return out, audit.Record(ctx, audit.Change{ObjectType: "CustomerRequest", Object: out.GetName(), OrgPath: after.OrgPath,
			Before: toProtoRequest(before), After: out})
	})
}

// fromProtoRequest checks the fields a client sets on a new request (the output
// only ones are ignored); when the request is absent it adds nothing.
func fromProtoRequest(v *apierr.Violations, in *visitsv1.CustomerRequest) app.NewRequest {
	if in == nil {
		return app.NewRequest{}
	}
	nr := app.NewRequest{CustomerID: strings.TrimPrefix(in.GetCustomer(), "customers/"),
		Text: requestText(v, "request.text", in.GetText()), Channel: strings.TrimSpace(in.GetChannel())}
	if !strings.HasPrefix(in.GetCustomer(), "customers/") || !idRE.MatchString(nr.CustomerID) {
		v.Add("request.customer", "want customers/{code}; got %q", in.GetCustomer())
	}
	if nr.Channel != "" && !app.ChannelPattern.MatchString(nr.Channel) {
		v.Add("request.channel", "at most 32 of a-z, 0-9, _ and -, e.g. app, wechat, web; got %q", nr.Channel)
	}
	if t := in.GetReceiveTime(); t != nil {
		if err := t.CheckValid(); err != nil {
			v.Add("request.receive_time", "not a valid timestamp: %v", err)
		} else {
			nr.ReceiveTime = t.AsTime()
		}
	}
	return nr
}

func toProtoRequest(r app.RequestAt) *visitsv1.CustomerRequest {
	out := &visitsv1.CustomerRequest{Name: "requests/" + r.ID, Customer: "customers/" + r.CustomerID,
		CustomerDisplayName: r.CustomerName, Manager: "managers/" + r.ManagerID, Channel: r.Channel, Text: r.Text,
		ReceiveTime: ts(r.ReceiveTime), Deadline: ts(r.Deadline), State: visitsv1.CustomerRequest_State(r.State(r.At)),
		Answer: r.Answer, AnsweredBy: r.AnsweredBy, AnswerTime: ts(r.AnswerTime),
		ResponseSeconds: int64(r.ResponseTime() / time.Second), AnsweredInTime: r.InTime(),
		EscalateTime: ts(r.EscalateTime(r.At)), CreateTime: ts(r.CreateTime)}
	if r.OrgUnitID != "" {
		out.OrgUnit = "orgUnits/" + r.OrgUnitID
	}
	for _, h := range r.Handovers {
		out.Handovers = append(out.Handovers, &visitsv1.CustomerRequest_Handover{FromManager: "managers/" + h.From,
			ToManager: "managers/" + h.To, Time: ts(h.Time)})
	}
	return out
}

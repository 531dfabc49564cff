package ports

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/money"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/calendar"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/settings"
)

var (
	dayRE      = regexp.MustCompile(`^managers/([A-Za-z0-9_-]{1,64})/days/(\d{4}-\d{2}-\d{2})$`)
	analysisRE = regexp.MustCompile(`^managers/([A-Za-z0-9_-]{1,64})/analyses/(\d{4}-\d{2})$`)
	// the one filter indicators take
	orgUnitFilterRE = regexp.MustCompile(`^org_unit\s*=\s*"orgUnits/([A-Za-z0-9_-]{1,64})"$`)
)

// GetVisitSettings reads the visit settings.
func (s *Server) GetVisitSettings(ctx context.Context, req *visitsv1.GetVisitSettingsRequest) (*visitsv1.VisitSettings, error) {
	if req.GetName() != "visitSettings" {
		return nil, apierr.Invalid("name", "want visitSettings; got %q", req.GetName())
	}
	st, at, by, err := s.app.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.toProtoSettings(st, at, by), nil
}

// UpdateVisitSettings replaces the visit settings.
func (s *Server) UpdateVisitSettings(ctx context.Context, req *visitsv1.UpdateVisitSettingsRequest) (*visitsv1.VisitSettings, error) {
	in := req.GetSettings()
	var v apierr.Violations
	if in.GetName() != "visitSettings" {
		v.Add("settings.name", "want visitSettings; got %q", in.GetName())
	}
	rev, hasEtag, err := parseEtag("settings.etag", in.GetEtag())
	if err != nil {
		return nil, err
	}
	st := settings.Settings{DailyCap: int(in.GetDailyCap()), CheckInRadiusMeters: int(in.GetCheckInRadiusMeters())}
	def := settings.Default()
	if st.DailyCap == 0 {
		st.DailyCap = def.DailyCap
	}
	if st.CheckInRadiusMeters == 0 {
		st.CheckInRadiusMeters = def.CheckInRadiusMeters
	}
	st.RegularFactor = factor(&v, "settings.regular_safety_factor", in.GetRegularSafetyFactor(), def.RegularFactor)
	st.HighMarginFactor = factor(&v, "settings.high_margin_safety_factor", in.GetHighMarginSafetyFactor(), def.HighMarginFactor)
	for _, c := range in.GetChecklists() {
		list := settings.Checklist{CustomerKind: strings.ToUpper(strings.TrimSpace(c.GetCustomerKind()))}
		for _, step := range c.GetSteps() {
			list.Steps = append(list.Steps, settings.Step{Code: strings.TrimSpace(step.GetCode()), Title: strings.TrimSpace(step.GetTitle()),
				Required: step.GetRequired()})
		}
		st.Checklists = append(st.Checklists, list)
	}
	if len(st.Checklists) == 0 {
		st.Checklists = def.Checklists
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*visitsv1.VisitSettings, error) {
		before, beforeAt, beforeBy, err := s.app.Settings(ctx)
		if err != nil {
			return nil, err
		}
		saved, at, by, err := s.app.UpdateSettings(ctx, st, rev, hasEtag)
		if err != nil {
			return nil, err
		}
		out := s.toProtoSettings(saved, at, by)
		return out, audit.Record(ctx, audit.Change{ObjectType: "VisitSettings", Object: "visitSettings",
			Before: s.toProtoSettings(before, beforeAt, beforeBy), After: out})
	})
}

func factor(v *apierr.Violations, field, s string, def money.Decimal) money.Decimal {
	if s == "" {
		return def
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		v.Add(field, "want a decimal like 1.2; got %q", s)
	}
	return d
}

func (s *Server) toProtoSettings(st settings.Settings, at time.Time, by string) *visitsv1.VisitSettings {
	out := &visitsv1.VisitSettings{Name: "visitSettings", DailyCap: int32(st.DailyCap), CheckInRadiusMeters: int32(st.CheckInRadiusMeters),
		RegularSafetyFactor: st.RegularFactor.String(), HighMarginSafetyFactor: st.HighMarginFactor.String(), Etag: st.Etag(),
		UpdateTime: ts(at), UpdatedBy: by}
	for _, c := range st.Checklists {
		pc := &visitsv1.VisitSettings_Checklist{CustomerKind: c.CustomerKind}
		for _, step := range c.Steps {
			pc.Steps = append(pc.Steps, &visitsv1.VisitSettings_Step{Code: step.Code, Title: step.Title, Required: step.Required})
		}
		out.Checklists = append(out.Checklists, pc)
	}
	for _, y := range s.app.Calendar.Years() {
		src, _ := s.app.Calendar.Source(y)
		out.CalendarYears = append(out.CalendarYears, int32(y))
		out.CalendarSources = append(out.CalendarSources, src.Title+" ("+src.Issuer+", "+src.Issued.String()+") "+src.URL)
	}
	return out
}

// SchedulePlan spreads a plan's lines over the month again.
func (s *Server) SchedulePlan(ctx context.Context, req *visitsv1.SchedulePlanRequest) (*visitsv1.Plan, error) {
	return s.planStep(ctx, req.GetName(), req.GetRequestId(), req, "scheduled", nil,
		func(ctx context.Context, m string, month civil.Date) (plan.Plan, plan.Plan, error) {
			return s.app.SchedulePlan(ctx, m, month, req.GetEtag())
		})
}

// SubmitResults records the month's results.
func (s *Server) SubmitResults(ctx context.Context, req *visitsv1.SubmitResultsRequest) (*visitsv1.Plan, error) {
	return s.planStep(ctx, req.GetName(), req.GetRequestId(), req, "results submitted", func(v *apierr.Violations) {
		if strings.TrimSpace(req.GetEvaluation()) == "" {
			v.Add("evaluation", "say how the month went")
		}
	}, func(ctx context.Context, m string, month civil.Date) (plan.Plan, plan.Plan, error) {
		return s.app.SubmitResults(ctx, m, month, req.GetEtag(), req.GetEvaluation(), req.GetImprovement())
	})
}

// ReviewResults accepts or returns the month's results.
func (s *Server) ReviewResults(ctx context.Context, req *visitsv1.ReviewResultsRequest) (*visitsv1.Plan, error) {
	return s.planStep(ctx, req.GetName(), req.GetRequestId(), req, req.GetComment(), func(v *apierr.Violations) {
		if !req.GetAccept() && strings.TrimSpace(req.GetComment()) == "" {
			v.Add("comment", "say what the manager should change when returning results")
		}
	}, func(ctx context.Context, m string, month civil.Date) (plan.Plan, plan.Plan, error) {
		return s.app.ReviewResults(ctx, m, month, req.GetEtag(), req.GetAccept(), req.GetComment())
	})
}

func dayName(v *apierr.Violations, name string) (string, civil.Date) {
	m := dayRE.FindStringSubmatch(name)
	if m == nil {
		v.Add("name", "want managers/{employee number}/days/{YYYY-MM-DD}, e.g. managers/E3001/days/2026-04-15; got %q", name)
		return "", civil.Date{}
	}
	d, err := civil.Parse(m[2])
	if err != nil {
		v.Add("name", "%q is not a date", m[2])
	}
	return m[1], d
}

// GetDayList reads a manager's day.
func (s *Server) GetDayList(ctx context.Context, req *visitsv1.GetDayListRequest) (*visitsv1.DayList, error) {
	var v apierr.Violations
	m, day := dayName(&v, req.GetName())
	if err := v.Err(); err != nil {
		return nil, err
	}
	d, err := s.app.DayList(ctx, m, day)
	if err != nil {
		return nil, err
	}
	return toProtoDayList(d), nil
}

var dayKinds = map[calendar.Kind]string{calendar.Workday: "WORKDAY", calendar.MakeUpWorkday: "MAKE_UP_WORKDAY",
	calendar.Weekend: "WEEKEND", calendar.Holiday: "HOLIDAY"}

func toProtoDayList(d app.DayList) *visitsv1.DayList {
	out := &visitsv1.DayList{Name: "managers/" + d.Manager.ID + "/days/" + d.Day.String(), Manager: "managers/" + d.Manager.ID,
		ManagerDisplayName: d.Manager.Name, Date: d.Day.Proto(), DayKind: dayKinds[d.Kind], DayNote: d.Note,
		StartAddress: d.StartAddress, RouteLengthMeters: int32(d.RouteMeters)}
	if d.Plan.ManagerID != "" {
		out.Plan, out.PlanState = planResource(d.Plan), visitsv1.Plan_State(d.Plan.State)
	}
	for _, st := range d.Stops {
		it := st.Item
		ps := &visitsv1.DayList_Stop{RouteOrder: int32(it.RouteOrder), Kind: visitsv1.PlanItem_Kind(it.Kind),
			CustomerDisplayName: st.Customer.Name, Address: st.Customer.Address, Method: visitsv1.VisitMethod(it.Method),
			Slot: visitsv1.PlanItem_Slot(it.Slot), Actions: it.Actions, Status: visitsv1.PlanItem_Status(it.Status),
			CarryCount: int32(it.CarryCount)}
		if out.Plan != "" {
			ps.PlanItem = out.Plan + "#" + it.ID
		}
		if it.CustomerID != "" {
			ps.Customer = "customers/" + it.CustomerID
		}
		if st.Customer.Lat != nil && st.Customer.Lng != nil {
			ps.Location = &latlng.LatLng{Latitude: *st.Customer.Lat, Longitude: *st.Customer.Lng}
		}
		out.Stops = append(out.Stops, ps)
	}
	return out
}

// GetAnalysis reads the "analyse" view of a manager's month.
func (s *Server) GetAnalysis(ctx context.Context, req *visitsv1.GetAnalysisRequest) (*visitsv1.Analysis, error) {
	var v apierr.Violations
	var manager string
	var month civil.Date
	if m := analysisRE.FindStringSubmatch(req.GetName()); m == nil {
		v.Add("name", "want managers/{employee number}/analyses/{YYYY-MM}, e.g. managers/E3001/analyses/2026-04; got %q", req.GetName())
	} else {
		manager, month = m[1], monthField(&v, "name", m[2])
	}
	n := int(req.GetUnvisitedMonths())
	if n == 0 {
		n = 3
	}
	if n < 1 || n > 24 {
		v.Add("unvisited_months", "1 to 24, not %d", n)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a, err := s.app.Analyse(ctx, manager, month, n)
	if err != nil {
		return nil, err
	}
	out := &visitsv1.Analysis{Name: req.GetName(), UnvisitedMonths: int32(n), OpenRequests: int32(a.OpenRequests),
		OverdueRequests: int32(a.OverdueRequests), Customers: int32(a.Customers)}
	conv := func(list []app.Standing) []*visitsv1.Analysis_CustomerStanding {
		out := make([]*visitsv1.Analysis_CustomerStanding, len(list))
		for i, st := range list {
			out[i] = &visitsv1.Analysis_CustomerStanding{Customer: "customers/" + st.Customer.ID, DisplayName: st.Customer.Name,
				Classification: st.Customer.Classification, AreaType: st.Customer.AreaType, Frequency: visitsv1.Frequency(st.Frequency),
				LastVisitDate: st.LastVisit.Proto(), DueDate: st.DueFrom.Proto(), MonthsSinceVisit: int32(st.MonthsSince)}
		}
		return out
	}
	out.Due, out.Overdue, out.Visited, out.NotVisited = conv(a.Due), conv(a.Overdue), conv(a.Visited), conv(a.NotVisited)
	return out, nil
}

// ListIndicators reads the visit indicators of managers for a period.
func (s *Server) ListIndicators(ctx context.Context, req *visitsv1.ListIndicatorsRequest) (*visitsv1.ListIndicatorsResponse, error) {
	var v apierr.Violations
	manager := parentName(&v, req.GetParent())
	period, err := app.ParsePeriod(req.GetPeriod())
	if err != nil {
		v.Add("period", "want YYYY-MM, YYYY-Qn or YYYY, e.g. 2026-04, 2026-Q2 or 2026; got %q", req.GetPeriod())
	}
	orgUnit := ""
	if f := strings.TrimSpace(req.GetFilter()); f != "" {
		m := orgUnitFilterRE.FindStringSubmatch(f)
		if m == nil {
			v.Add("filter", `only org_unit = "orgUnits/{id}" filters indicators; got %q`, f)
		} else {
			orgUnit = m[1]
		}
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = 100
	}
	if size < 1 || size > 1000 {
		v.Add("page_size", "1 to 1000, not %d", size)
	}
	after := ""
	if t := req.GetPageToken(); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || !strings.HasPrefix(string(b), req.GetPeriod()+"|") {
			v.Add("page_token", "not a token of this list: start again without it")
		} else {
			after = strings.TrimPrefix(string(b), req.GetPeriod()+"|")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	list, next, err := s.app.Indicators(ctx, manager, orgUnit, period, after, size)
	if err != nil {
		return nil, err
	}
	resp := &visitsv1.ListIndicatorsResponse{}
	if next != "" {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(req.GetPeriod() + "|" + next))
	}
	for _, ind := range list {
		resp.Indicators = append(resp.Indicators, &visitsv1.ManagerIndicators{Manager: "managers/" + ind.ManagerID, Period: period.Name,
			PlanCompletion: rate(ind.PlanCompletion), OnTimeVisits: rate(ind.OnTime), DueCoverage: rate(ind.Coverage),
			Response_24H: rate(ind.Answer), Visits: int32(ind.Visits)})
	}
	return resp, nil
}

// rate is num/den to four places, half-even; empty without a denominator.
func rate(r app.Rate) *visitsv1.ManagerIndicators_Rate {
	out := &visitsv1.ManagerIndicators_Rate{Numerator: int32(r.Num), Denominator: int32(r.Den)}
	if r.Den > 0 {
		q, err := money.DecimalFromInt(int64(r.Num)).Quo(money.DecimalFromInt(int64(r.Den)))
		if err == nil {
			out.Value = fixed4(q.RoundHalfEven(4).String())
		}
	}
	return out
}

// fixed4 writes a decimal with exactly four places ("1" → "1.0000").
func fixed4(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	return whole + "." + (frac + "0000")[:4]
}

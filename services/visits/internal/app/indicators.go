package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// Rate is numerator out of denominator.
type Rate struct{ Num, Den int }

// Indicators are one manager's visit indicators over a period (their exact
// definitions are in the API: ManagerIndicators).
type Indicators struct {
	ManagerID                                string
	PlanCompletion, OnTime, Coverage, Answer Rate
	Visits                                   int
}

// Indicators works out the visit indicators of the managers in the caller's
// scope (of manager, if given; of the org subtree orgUnit, if given) over period,
// one page of them after the manager id `after`, at most size.
func (a *App) Indicators(ctx context.Context, manager, orgUnit string, period Period, after string, size int) ([]Indicators, string, error) {
	c, err := a.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if manager != "" {
		m, path, err := a.managerPath(ctx, manager)
		if err != nil {
			return nil, "", err
		}
		if !c.sees(m.ID, path) {
			return nil, "", fmt.Errorf("%w: managers/%s", ErrNotFound, manager)
		}
	}
	under := ""
	if orgUnit != "" {
		_, paths, err := a.orgUnits(ctx)
		if err != nil {
			return nil, "", err
		}
		if under = paths[orgUnit]; under == "" {
			return nil, "", fmt.Errorf("%w: orgUnits/%s", ErrNotFound, orgUnit)
		}
	}
	in := func(path string) bool { return strings.HasPrefix(path, under) }
	end := period.To.AddMonths(1).AddDays(-1)
	cutoff := end
	if today := a.today(); today.Before(end) {
		cutoff = today
	}
	plans, err := a.store.PlansBetween(ctx, c.scope(), manager, period.From, period.To)
	if err != nil {
		return nil, "", err
	}
	visits, err := a.store.VisitsBetween(ctx, c.scope(), manager, period.From, end)
	if err != nil {
		return nil, "", err
	}
	by := map[string]*Indicators{}
	get := func(id string) *Indicators {
		if by[id] == nil {
			by[id] = &Indicators{ManagerID: id}
		}
		return by[id]
	}
	// who visited whom in which month
	type key struct {
		manager, customer string
		month             civil.Date
	}
	seen := map[key]bool{}
	for _, v := range visits {
		seen[key{v.ManagerID, v.CustomerID, v.Day.FirstOfMonth()}] = true
	}
	for _, v := range visits {
		get(v.ManagerID).Visits++
	}
	inUnit := map[string]bool{} // managers with a plan in the subtree
	for _, p := range plans {
		if !in(p.OrgPath) {
			continue
		}
		inUnit[p.ManagerID] = true
		ind := get(p.ManagerID)
		if p.State != plan.Approved {
			continue
		}
		due := map[string]bool{}
		for _, it := range p.Items {
			if it.Status == plan.HandedOver {
				continue
			}
			ind.PlanCompletion.Den++
			if it.Status == plan.Done {
				ind.PlanCompletion.Num++
			}
			if it.Kind != plan.VisitLine {
				continue
			}
			if !it.PlannedDate.IsZero() && !it.PlannedDate.After(cutoff) {
				ind.OnTime.Den++
				if it.Status == plan.Done && !it.DoneDate.After(it.PlannedDate) {
					ind.OnTime.Num++
				}
			}
			if it.Source == plan.Due || it.Source == plan.CarriedOver || it.Source == plan.HandedOverIn {
				due[it.CustomerID] = true
			}
		}
		for cu := range due {
			ind.Coverage.Den++
			if seen[key{p.ManagerID, cu, p.Month}] {
				ind.Coverage.Num++
			}
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		// With a subtree, only managers whose plans are in it (visits carry no unit).
		if id > after && (under == "" || inUnit[id]) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	next := ""
	if len(ids) > size {
		ids, next = ids[:size], ids[size-1]
	}
	from := shanghaiMidnight(period.From)
	to := shanghaiMidnight(end.AddDays(1))
	counts, err := a.store.RequestCounts(ctx, ids, from, to, a.now())
	if err != nil {
		return nil, "", err
	}
	out := make([]Indicators, len(ids))
	for i, id := range ids {
		out[i] = *by[id]
		rc := counts[id]
		out[i].Answer = Rate{Num: rc.InTime, Den: rc.Counted}
	}
	return out, next, nil
}

// shanghaiMidnight is the start of day d in the bank's time zone.
func shanghaiMidnight(d civil.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, civil.Shanghai)
}

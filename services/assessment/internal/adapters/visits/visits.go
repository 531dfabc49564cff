// Package visits reads the visit indicators the visit-scheduling service
// computes (rmsuite.visits.v1 VisitService.ListIndicators), as the caller,
// and turns them into values of the library's visit indicators. It
// implements app.Visits.
package visits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
)

// ErrUnavailable wraps a visits service that cannot be reached or failed.
var ErrUnavailable = errors.New("visits service unavailable")

// Client calls the visits service with the bearer token of the call being
// served, so that visits applies the caller's own scope.
type Client struct {
	visits visitsv1.VisitServiceClient
}

// New returns a client on conn.
func New(conn grpc.ClientConnInterface) *Client {
	return &Client{visits: visitsv1.NewVisitServiceClient(conn)}
}

var hundred = money.DecimalFromInt(100)

// VisitValues reads the visit indicators of period for the managers of the
// subtree of orgUnit: plan completion, on-time visits, coverage of due
// customers and the 24-hour response rate, each a rate in percent
// (numerator ÷ denominator × 100, exact to four decimals as visits rounds
// it) with its counts as the reference. A rate without a denominator has no
// value. An org unit visits does not know (yet) is read as every manager the
// caller may see there; the caller keeps those of the subtree.
func (c *Client) VisitValues(ctx context.Context, period, orgUnit string) (map[string][]app.VisitValue, error) {
	ctx = auth.Forward(ctx)
	out := map[string][]app.VisitValue{}
	token := ""
	filter := fmt.Sprintf("org_unit = %q", "orgUnits/"+orgUnit)
	for {
		resp, err := c.visits.ListIndicators(ctx, &visitsv1.ListIndicatorsRequest{Parent: "managers/-", Period: period,
			Filter: filter, PageSize: 1000, PageToken: token})
		if status.Code(err) == codes.NotFound && filter != "" && token == "" {
			filter = ""
			continue
		}
		if err != nil {
			if s, ok := status.FromError(err); ok && (s.Code() == codes.PermissionDenied || s.Code() == codes.Unauthenticated) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: list visit indicators of %s: %v", ErrUnavailable, period, err)
		}
		for _, m := range resp.GetIndicators() {
			id := strings.TrimPrefix(m.GetManager(), "managers/")
			for _, r := range []struct {
				code string
				rate *visitsv1.ManagerIndicators_Rate
			}{
				{indicator.VisitPlanCompletion, m.GetPlanCompletion()},
				{indicator.OnTimeVisitRate, m.GetOnTimeVisits()},
				{indicator.DueVisitCoverage, m.GetDueCoverage()},
				{indicator.Response24hRate, m.GetResponse_24H()},
			} {
				v, ok, err := percent(r.rate)
				if err != nil {
					return nil, fmt.Errorf("%w: %s of managers/%s: %v", ErrUnavailable, r.code, id, err)
				}
				if ok {
					out[id] = append(out[id], app.VisitValue{Indicator: r.code, Value: v,
						Ref: "visits " + strconv.Itoa(int(r.rate.GetNumerator())) + "/" + strconv.Itoa(int(r.rate.GetDenominator()))})
				}
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// percent turns a rate ("0.9500") into percentage points ("95.0000").
func percent(r *visitsv1.ManagerIndicators_Rate) (money.Decimal, bool, error) {
	if r == nil || r.GetDenominator() == 0 || r.GetValue() == "" {
		return money.Decimal{}, false, nil
	}
	f, err := money.ParseDecimal(r.GetValue())
	if err != nil {
		return money.Decimal{}, false, err
	}
	p, err := f.Mul(hundred)
	return p, err == nil, err
}

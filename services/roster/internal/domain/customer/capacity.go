package customer

import (
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// Settings are how many primary customers a manager on each line may hold: a
// bank-wide configuration record.
type Settings struct {
	Corporate, Retail, Micro int
	Revision                 int64
}

// DefaultSettings are DOMAIN.md's defaults: retail and micro 1000, corporate 50.
var DefaultSettings = Settings{Corporate: 50, Retail: 1000, Micro: 1000, Revision: 1}

// MaxCapacity bounds a configured capacity.
const MaxCapacity = 100000

// Etag is an opaque tag of the settings' revision.
func (s Settings) Etag() string { return fmt.Sprintf("s%d", s.Revision) }

// Capacity is the limit for a manager on line l (0 for an unknown line: such a
// manager can take no customers).
func (s Settings) Capacity(l manager.Line) int {
	switch l {
	case manager.Corporate:
		return s.Corporate
	case manager.Retail:
		return s.Retail
	case manager.Micro:
		return s.Micro
	}
	return 0
}

// CheckCapacity checks one configured capacity.
func CheckCapacity(n int) error {
	if n < 1 || n > MaxCapacity {
		return fmt.Errorf("%d is out of range: a capacity is 1 to %d customers", n, MaxCapacity)
	}
	return nil
}

// Load is a manager's primary portfolio against their capacity.
type Load struct {
	ManagerID string
	Line      manager.Line
	Primary   int // primary customers held
	Capacity  int
}

// Free is how many more primary customers the manager may take.
func (l Load) Free() int { return max(l.Capacity-l.Primary, 0) }

// CheckAdd refuses giving the manager n more primary customers beyond capacity,
// saying the limit and the count, e.g. "managers/E3001 (LINE_CORPORATE) already
// serves 50 customers, the limit is 50".
func (l Load) CheckAdd(n int) error {
	if n <= l.Free() {
		return nil
	}
	if l.Free() == 0 {
		return fmt.Errorf("%w: managers/%s (%s) already serves %d customers, the limit is %d; choose another manager or hand some of their customers over first",
			ErrOverCapacity, l.ManagerID, l.Line, l.Primary, l.Capacity)
	}
	return fmt.Errorf("%w: %s", ErrOverCapacity, l.shortBy(n))
}

// shortBy says how far n customers overflow the manager.
func (l Load) shortBy(n int) string {
	return fmt.Sprintf("managers/%s can take %d more customers (load %d of %d) but would receive %d: short by %d",
		l.ManagerID, l.Free(), l.Primary, l.Capacity, n, n-l.Free())
}

// PlanHandover spreads n customers (in the order given) over receivers: each goes to
// the receiver with the lowest load at that moment among those with room left,
// ties going to the receiver listed first, so that loads end up as even as
// capacities allow. It answers, per customer, the receiver's index. When the
// receivers' room is short of n in all, nothing is planned and the error names every
// receiver's room, e.g. "managers/E3002 can take 12 more customers (load 988 of
// 1000) but would receive 20: short by 8".
func PlanHandover(n int, receivers []Load) ([]int, error) {
	free := 0
	for _, r := range receivers {
		free += r.Free()
	}
	if n > free {
		if len(receivers) == 1 {
			return nil, fmt.Errorf("%w: %s", ErrOverCapacity, receivers[0].shortBy(n))
		}
		parts := make([]string, len(receivers))
		for i, r := range receivers {
			parts[i] = fmt.Sprintf("managers/%s can take %d more (load %d of %d)", r.ManagerID, r.Free(), r.Primary, r.Capacity)
		}
		return nil, fmt.Errorf("%w: the receivers can take %d more customers in all but would receive %d: short by %d (%s); add a receiver or hand over fewer customers",
			ErrOverCapacity, free, n, n-free, strings.Join(parts, "; "))
	}
	load := make([]int, len(receivers))
	for i, r := range receivers {
		load[i] = r.Primary
	}
	plan := make([]int, n)
	for c := range plan {
		best := -1
		for i, r := range receivers {
			if load[i] < r.Capacity && (best < 0 || load[i] < load[best]) {
				best = i
			}
		}
		plan[c] = best // free >= n: some receiver has room
		load[best]++
	}
	return plan, nil
}

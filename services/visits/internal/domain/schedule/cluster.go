package schedule

import (
	"cmp"
	"math"
	"slices"

	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
)

// maxGroupPasses bounds the swap search; it ends far sooner in practice.
const maxGroupPasses = 50

// maxDealStates bounds deal's dynamic programme: the product over distinct quota
// sizes of (days with that quota + 1). Daily caps up to a dozen or so stay far below
// it; beyond it the sweep is cut in calendar order.
const maxDealStates = 1 << 16

// xy is a position in metres east and north of the depot, on a plane tangent at the
// depot: close enough over the tens of kilometres a manager covers.
type xy struct{ x, y float64 }

func (p *planner) project(pt route.Point) xy {
	const metresPerDegree = route.EarthRadius * math.Pi / 180
	d := p.req.Depot
	return xy{
		x: (pt.Lon - d.Lon) * metresPerDegree * math.Cos(d.Lat*math.Pi/180),
		y: (pt.Lat - d.Lat) * metresPerDegree,
	}
}

// sweep orders visits by bearing from the depot (then distance, then request order),
// starting after the widest empty angle so that no day's sector straddles it.
func (p *planner) sweep(vs []int) []int {
	type polar struct {
		v        int
		angle, r float64
	}
	ps := make([]polar, len(vs))
	for k, v := range vs {
		q := p.project(p.req.Visits[v].Customer)
		ps[k] = polar{v: v, angle: math.Atan2(q.y, q.x), r: math.Hypot(q.x, q.y)}
	}
	slices.SortFunc(ps, func(a, b polar) int {
		return cmp.Or(cmp.Compare(a.angle, b.angle), cmp.Compare(a.r, b.r), cmp.Compare(a.v, b.v))
	})
	start, widest := 0, -1.0
	for k := range ps {
		gap := ps[(k+1)%len(ps)].angle - ps[k].angle
		if k == len(ps)-1 {
			gap += 2 * math.Pi
		}
		if gap > widest {
			start, widest = (k+1)%len(ps), gap
		}
	}
	out := make([]int, len(ps))
	for k := range ps {
		out[k] = ps[(start+k)%len(ps)].v
	}
	return out
}

// group makes each day's on-site visits more compact by swapping pairs of visits
// between days, each staying in its window, while a swap lowers the sum over days of
// the squared distances from the day's visits to their centre. Swaps keep every day's
// count, so capacities and the levelled load hold.
func (p *planner) group() {
	var vs []int
	for v := range p.req.Visits {
		if p.inPlay(v) && p.isOnSite(v) && p.day[v] >= 0 {
			vs = append(vs, v)
		}
	}
	pos := make([]xy, len(vs))
	sum := make([]xy, len(p.days))
	count := make([]float64, len(p.days))
	for k, v := range vs {
		pos[k] = p.project(p.req.Visits[v].Customer)
		i := p.day[v]
		sum[i].x += pos[k].x
		sum[i].y += pos[k].y
		count[i]++
	}
	// With counts fixed, the squared distances to the centres add up to a constant
	// minus Σ|sum|²/count over days, so a swap helps when it raises that sum.
	spread := func(s xy, n float64) float64 { return (s.x*s.x + s.y*s.y) / n }
	const eps = 1e-3 // m²
	for range maxGroupPasses {
		swapped := false
		for a := range vs {
			va := vs[a]
			for b := a + 1; b < len(vs); b++ {
				vb := vs[b]
				da, db := p.day[va], p.day[vb]
				if da == db || db < p.lo[va] || db > p.hi[va] || da < p.lo[vb] || da > p.hi[vb] {
					continue
				}
				dx, dy := pos[b].x-pos[a].x, pos[b].y-pos[a].y
				na := xy{sum[da].x + dx, sum[da].y + dy}
				nb := xy{sum[db].x - dx, sum[db].y - dy}
				gain := spread(na, count[da]) + spread(nb, count[db]) - spread(sum[da], count[da]) - spread(sum[db], count[db])
				if gain > eps {
					sum[da], sum[db] = na, nb
					p.day[va], p.day[vb] = db, da
					swapped = true
				}
			}
		}
		if !swapped {
			return
		}
	}
}

// deal cuts the swept visits into consecutive runs, one per day with a quota, each as
// long as its day's quota. Days with equal quotas are interchangeable, so what is
// chosen is the order of run lengths along the sweep: the one whose runs are most
// compact (least total squared distance to each run's centre), found by dynamic
// programming over how many runs of each length remain. Runs of one length go to the
// days with that quota in calendar order.
func (p *planner) deal(order, quota []int) {
	var sizes, counts []int // distinct positive quotas, ascending, and how many days have each
	for _, q := range quota {
		if q == 0 {
			continue
		}
		k, found := slices.BinarySearch(sizes, q)
		if !found {
			sizes, counts = slices.Insert(sizes, k, q), slices.Insert(counts, k, 0)
		}
		counts[k]++
	}
	stride := make([]int, len(sizes)) // mixed radix: state = Σ remaining[k]·stride[k]
	states := 1
	for k, c := range counts {
		stride[k] = states
		states *= c + 1
		if states > maxDealStates {
			p.dealInOrder(order, quota)
			return
		}
	}

	// Prefix sums over the sweep give any run's squared spread in O(1).
	n := len(order)
	sx, sy, sq := make([]float64, n+1), make([]float64, n+1), make([]float64, n+1)
	for k, v := range order {
		q := p.project(p.req.Visits[v].Customer)
		sx[k+1], sy[k+1], sq[k+1] = sx[k]+q.x, sy[k]+q.y, sq[k]+q.x*q.x+q.y*q.y
	}
	spread := func(a, b int) float64 {
		x, y := sx[b]-sx[a], sy[b]-sy[a]
		return sq[b] - sq[a] - (x*x+y*y)/float64(b-a)
	}

	// best[state]: least spread of the runs still to cut when the remaining run counts
	// are state; they start where the runs already cut end.
	best := make([]float64, states)
	choice := make([]int8, states)
	for state := 1; state < states; state++ {
		left := 0
		for k := range sizes {
			left += (state / stride[k] % (counts[k] + 1)) * sizes[k]
		}
		at := n - left
		best[state] = math.Inf(1)
		for k, size := range sizes {
			if state/stride[k]%(counts[k]+1) == 0 {
				continue
			}
			if c := spread(at, at+size) + best[state-stride[k]]; c < best[state] {
				best[state], choice[state] = c, int8(k)
			}
		}
	}

	next := make([]int, len(sizes)) // per size, the next day to consider
	at := 0
	for state := states - 1; state > 0; {
		k := int(choice[state])
		i := next[k]
		for quota[i] != sizes[k] {
			i++
		}
		next[k] = i + 1
		for _, v := range order[at : at+sizes[k]] {
			p.put(v, i)
		}
		at += sizes[k]
		state -= stride[k]
	}
}

// dealInOrder cuts the sweep into runs in calendar order.
func (p *planner) dealInOrder(order, quota []int) {
	at := 0
	for i, q := range quota {
		for _, v := range order[at : at+q] {
			p.put(v, i)
		}
		at += q
	}
}

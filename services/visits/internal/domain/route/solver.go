package route

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// eps is the least gain a move must bring to be taken, so that rounding noise cannot
// make the local search cycle.
const eps = 1e-7

// clockEvery is how many move evaluations pass between looks at the clock.
const clockEvery = 256

// solver holds one solve: node 0 is the depot, node i+1 is stop i.
type solver struct {
	n        int
	dist     []float64 // n×n
	rng      *rand.Rand
	deadline time.Time
	ticks    int
	expired  bool
	scratch  []int
}

func newSolver(depot Point, stops []Point, opts Options) *solver {
	n := len(stops) + 1
	s := &solver{
		n:        n,
		dist:     make([]float64, n*n),
		deadline: time.Now().Add(opts.TimeLimit),
		scratch:  make([]int, 0, n),
	}
	at := func(i int) Point {
		if i == 0 {
			return depot
		}
		return stops[i-1]
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := opts.Distance(at(i), at(j))
			s.dist[i*n+j], s.dist[j*n+i] = d, d
		}
	}
	s.rng = rand.New(rand.NewPCG(seed(depot, stops)))
	return s
}

// seed derives the kick generator's seed from the input, so that a solve repeats.
func seed(depot Point, stops []Point) (uint64, uint64) {
	h := fnv.New64a()
	var buf [8]byte
	put := func(f float64) {
		b := math.Float64bits(f)
		for i := range buf {
			buf[i] = byte(b >> (8 * i))
		}
		h.Write(buf[:])
	}
	put(depot.Lat)
	put(depot.Lon)
	for _, p := range stops {
		put(p.Lat)
		put(p.Lon)
	}
	sum := h.Sum64()
	return sum, sum ^ 0x9e3779b97f4a7c15
}

func (s *solver) d(a, b int) float64 { return s.dist[a*s.n+b] }

// tick counts one move evaluation and reports whether time is up, looking at the
// clock only every clockEvery calls.
func (s *solver) tick() bool {
	if s.expired {
		return true
	}
	s.ticks++
	if s.ticks%clockEvery == 0 && time.Now().After(s.deadline) {
		s.expired = true
	}
	return s.expired
}

func (s *solver) length(t []int) float64 {
	var sum float64
	for i := range t {
		sum += s.d(t[i], t[(i+1)%len(t)])
	}
	return sum
}

// kicks is how many iterated-local-search rounds follow the first local optimum.
func kicks(stops int) int {
	if stops < 5 {
		return 0 // 2-opt and Or-opt already see every tour of so few stops
	}
	return 3 * stops
}

// exactStops is the most stops solved exactly: Held–Karp takes O(2ⁿ·n²) steps, about
// 100 000 for ten stops, which is less than the heuristic spends on them.
const exactStops = 10

func (s *solver) solve() []int {
	if s.n-1 <= exactStops {
		return s.exact()
	}
	return s.heuristic()
}

// exact is the shortest tour by Held–Karp dynamic programming over subsets of stops.
// It does not look at the clock.
func (s *solver) exact() []int {
	k := s.n - 1 // stops; stop j is node j+1
	full := 1 << k
	cost := make([]float64, full*k) // cost[mask·k+j]: depot → every stop in mask, ending at j
	from := make([]int8, full*k)    // the stop before j on that path, -1 for the depot
	for i := range cost {
		cost[i] = math.Inf(1)
	}
	for j := range k {
		cost[(1<<j)*k+j] = s.d(0, j+1)
		from[(1<<j)*k+j] = -1
	}
	for mask := 1; mask < full; mask++ {
		for j := range k {
			c := cost[mask*k+j]
			if mask&(1<<j) == 0 || math.IsInf(c, 1) {
				continue
			}
			for next := range k {
				if mask&(1<<next) != 0 {
					continue
				}
				at := (mask|1<<next)*k + next
				if alt := c + s.d(j+1, next+1); alt < cost[at] {
					cost[at], from[at] = alt, int8(j)
				}
			}
		}
	}
	last, best := 0, math.Inf(1)
	for j := range k {
		if c := cost[(full-1)*k+j] + s.d(j+1, 0); c < best {
			last, best = j, c
		}
	}
	tour := make([]int, s.n)
	for mask, j, at := full-1, last, s.n-1; at > 0; at-- {
		tour[at] = j + 1
		prev := int(from[mask*k+j])
		mask &^= 1 << j
		j = prev
	}
	return tour
}

// heuristic is farthest insertion, local search, then iterated local search.
func (s *solver) heuristic() []int {
	best := s.farthestInsertion()
	s.localSearch(best)
	bestLen := s.length(best)
	cur := make([]int, len(best))
	for range kicks(s.n - 1) {
		if s.expired {
			break
		}
		copy(cur, best)
		s.doubleBridge(cur)
		s.localSearch(cur)
		if l := s.length(cur); l < bestLen-eps {
			copy(best, cur)
			bestLen = l
		}
	}
	return best
}

// farthestInsertion builds a tour from the depot by repeatedly taking the node
// farthest from the tour and inserting it where it lengthens the tour least.
func (s *solver) farthestInsertion() []int {
	tour := make([]int, 1, s.n)
	in := make([]bool, s.n)
	in[0] = true
	near := make([]float64, s.n) // distance from each node to the tour
	for v := 1; v < s.n; v++ {
		near[v] = s.d(0, v)
	}
	for len(tour) < s.n {
		pick := -1
		for v := 1; v < s.n; v++ {
			if !in[v] && (pick < 0 || near[v] > near[pick]) {
				pick = v
			}
		}
		pos, cost := 0, math.Inf(1)
		for i := range tour {
			a, b := tour[i], tour[(i+1)%len(tour)]
			if c := s.d(a, pick) + s.d(pick, b) - s.d(a, b); c < cost {
				pos, cost = i, c
			}
		}
		tour = append(tour, 0)
		copy(tour[pos+2:], tour[pos+1:])
		tour[pos+1] = pick
		in[pick] = true
		for v := 1; v < s.n; v++ {
			if !in[v] {
				near[v] = min(near[v], s.d(pick, v))
			}
		}
	}
	return tour
}

// localSearch applies improving 2-opt and Or-opt moves until neither finds one or
// time is up. The depot stays at t[0].
func (s *solver) localSearch(t []int) {
	for !s.expired {
		if s.twoOpt(t) {
			continue
		}
		if !s.orOpt(t) {
			return
		}
	}
}

// twoOpt makes passes of 2-opt moves (replace edges a–b and c–d by a–c and b–d,
// reversing the path between) until a pass finds none; it reports whether any move
// was made.
func (s *solver) twoOpt(t []int) bool {
	m := len(t)
	moved := false
	for again := true; again; {
		again = false
		for i := 0; i < m-2; i++ {
			for j := i + 2; j < m; j++ {
				if i == 0 && j == m-1 {
					continue // the two edges meet at the depot
				}
				if s.tick() {
					return moved
				}
				a, b, c, d := t[i], t[i+1], t[j], t[(j+1)%m]
				if s.d(a, c)+s.d(b, d)-s.d(a, b)-s.d(c, d) < -eps {
					reverse(t[i+1 : j+1])
					again, moved = true, true
				}
			}
		}
	}
	return moved
}

// orOpt looks for one improving Or-opt move, taking a run of one to three stops out
// and putting it back elsewhere, in either direction; it makes the first it finds
// and reports whether it did.
func (s *solver) orOpt(t []int) bool {
	m := len(t)
	for l := 1; l <= 3 && l < m-1; l++ {
		for i := 1; i+l <= m; i++ {
			prev, next := t[i-1], t[(i+l)%m]
			first, last := t[i], t[i+l-1]
			gain := s.d(prev, first) + s.d(last, next) - s.d(prev, next)
			for p := range m {
				if p >= i-1 && p <= i+l-1 {
					continue // an edge touching the run
				}
				if s.tick() {
					return false
				}
				u, v := t[p], t[(p+1)%m]
				base := s.d(u, v)
				forward := s.d(u, first) + s.d(last, v) - base
				backward := s.d(u, last) + s.d(first, v) - base
				switch {
				case forward-gain < -eps && forward <= backward:
					s.move(t, i, l, p, false)
					return true
				case backward-gain < -eps:
					s.move(t, i, l, p, true)
					return true
				}
			}
		}
	}
	return false
}

// move takes t[i:i+l] out and puts it back after the node now at t[p], reversed if
// asked.
func (s *solver) move(t []int, i, l, p int, reversed bool) {
	m, after := len(t), t[p]
	run := append(s.scratch[:0], t[i:i+l]...)
	if reversed {
		reverse(run)
	}
	copy(t[i:], t[i+l:]) // t[:m-l] is now the tour without the run
	k := 0
	for t[k] != after {
		k++
	}
	copy(t[k+1+l:], t[k+1:m-l])
	copy(t[k+1:], run)
}

// doubleBridge is the kick: cut the tour after the depot into four parts A B C D and
// join them as A C B D, a change 2-opt and Or-opt cannot undo in one step.
func (s *solver) doubleBridge(t []int) {
	m := len(t)
	p1 := 1 + s.rng.IntN(m-3)
	p2 := p1 + 1 + s.rng.IntN(m-2-p1)
	p3 := p2 + 1 + s.rng.IntN(m-1-p2)
	buf := append(s.scratch[:0], t[p2:p3]...)
	buf = append(buf, t[p1:p2]...)
	copy(t[p1:p3], buf)
}

func reverse(a []int) {
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
}

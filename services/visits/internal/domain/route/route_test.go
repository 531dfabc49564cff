package route_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/services/visits/internal/domain/route"
)

// depot is a branch in central Chengdu; instances scatter stops within about 10 km.
var depot = route.Point{Lat: 30.6586, Lon: 104.0647}

func randomStops(rng *rand.Rand, n int) []route.Point {
	stops := make([]route.Point, n)
	for i := range stops {
		stops[i] = route.Point{Lat: depot.Lat + (rng.Float64()-0.5)*0.2, Lon: depot.Lon + (rng.Float64()-0.5)*0.2}
	}
	return stops
}

// tourLength is the closed length of depot → stops in order → depot.
func tourLength(stops []route.Point, order []int) float64 {
	if len(order) == 0 {
		return 0
	}
	sum := route.Distance(depot, stops[order[0]]) + route.Distance(stops[order[len(order)-1]], depot)
	for i := 1; i < len(order); i++ {
		sum += route.Distance(stops[order[i-1]], stops[order[i]])
	}
	return sum
}

// optimum is the exact shortest closed tour by Held–Karp dynamic programming: the
// test's own oracle.
func optimum(stops []route.Point) float64 {
	n := len(stops)
	at := func(i int) route.Point {
		if i == n {
			return depot
		}
		return stops[i]
	}
	dist := make([][]float64, n+1) // node n is the depot
	for i := range dist {
		dist[i] = make([]float64, n+1)
		for j := range dist[i] {
			dist[i][j] = route.Distance(at(i), at(j))
		}
	}
	full := 1 << n
	best := make([]float64, full*n) // best[mask*n+j]: depot → the stops in mask, ending at j
	for i := range best {
		best[i] = math.Inf(1)
	}
	for j := range n {
		best[(1<<j)*n+j] = dist[n][j]
	}
	for mask := 1; mask < full; mask++ {
		for j := range n {
			cur := best[mask*n+j]
			if mask&(1<<j) == 0 || math.IsInf(cur, 1) {
				continue
			}
			for k := range n {
				if mask&(1<<k) == 0 {
					best[(mask|1<<k)*n+k] = min(best[(mask|1<<k)*n+k], cur+dist[j][k])
				}
			}
		}
	}
	opt := math.Inf(1)
	for j := range n {
		opt = min(opt, best[(full-1)*n+j]+dist[j][n])
	}
	return opt
}

func checkPermutation(t *testing.T, order []int, n int) {
	t.Helper()
	if len(order) != n {
		t.Fatalf("order has %d stops, want %d", len(order), n)
	}
	seen := make([]bool, n)
	for _, i := range order {
		if i < 0 || i >= n || seen[i] {
			t.Fatalf("order %v is not a permutation of 0..%d", order, n-1)
		}
		seen[i] = true
	}
}

func TestDistance(t *testing.T) {
	beijing := route.Point{Lat: 39.9042, Lon: 116.4074}
	shanghai := route.Point{Lat: 31.2304, Lon: 121.4737}
	for _, tc := range []struct {
		name       string
		a, b       route.Point
		want, tol  float64
		symmetrics bool
	}{
		{"same point", beijing, beijing, 0, 1e-9, true},
		{"1° of longitude on the equator", route.Point{}, route.Point{Lon: 1}, 2 * math.Pi * route.EarthRadius / 360, 1e-6, true},
		{"1° of latitude", route.Point{Lat: 30}, route.Point{Lat: 31}, 2 * math.Pi * route.EarthRadius / 360, 1e-6, true},
		{"pole to pole", route.Point{Lat: 90}, route.Point{Lat: -90}, math.Pi * route.EarthRadius, 1e-6, true},
		{"antipodes", route.Point{Lat: 0, Lon: 0}, route.Point{Lat: 0, Lon: 180}, math.Pi * route.EarthRadius, 1e-6, true},
		{"across the date line", route.Point{Lon: 179.5}, route.Point{Lon: -179.5}, 2 * math.Pi * route.EarthRadius / 360, 1e-6, true},
		{"Beijing to Shanghai", beijing, shanghai, 1_067_300, 1_000, true},
		// At 60° north a degree of longitude is about half the equator's.
		{"1° of longitude at 60°N", route.Point{Lat: 60, Lon: 10}, route.Point{Lat: 60, Lon: 11}, 55_597.5, 100, true},
	} {
		got := route.Distance(tc.a, tc.b)
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: Distance = %.3f m, want %.3f ± %g", tc.name, got, tc.want, tc.tol)
		}
		if back := route.Distance(tc.b, tc.a); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: not symmetric: %f and %f", tc.name, got, back)
		}
	}
}

func TestSolveTiny(t *testing.T) {
	r := route.Solve(depot, nil, route.Options{})
	if r.Order == nil || len(r.Order) != 0 || r.Length != 0 {
		t.Errorf("no stops: %+v, want an empty order and length 0", r)
	}
	one := []route.Point{{Lat: depot.Lat + 0.01, Lon: depot.Lon}}
	r = route.Solve(depot, one, route.Options{})
	if !slices.Equal(r.Order, []int{0}) || math.Abs(r.Length-2*route.Distance(depot, one[0])) > 1e-9 {
		t.Errorf("one stop: %+v", r)
	}
	two := []route.Point{{Lat: depot.Lat + 0.02, Lon: depot.Lon}, {Lat: depot.Lat + 0.01, Lon: depot.Lon + 0.01}}
	r = route.Solve(depot, two, route.Options{})
	if !slices.Equal(r.Order, []int{0, 1}) || math.Abs(r.Length-tourLength(two, []int{0, 1})) > 1e-9 {
		t.Errorf("two stops: %+v", r)
	}
}

// On 200 seeded instances of 8 to 10 stops (a day's worth) the route is the shortest.
func TestSolveIsOptimalForADaysStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 135))
	for i := range 200 {
		stops := randomStops(rng, 8+i%3)
		r := route.Solve(depot, stops, route.Options{})
		checkPermutation(t, r.Order, len(stops))
		if got := tourLength(stops, r.Order); math.Abs(got-r.Length) > 1e-6 {
			t.Fatalf("instance %d: Length %f, but the order measures %f", i, r.Length, got)
		}
		if opt := optimum(stops); math.Abs(r.Length-opt) > 1e-6 {
			t.Errorf("instance %d (%d stops): %.3f m, optimum %.3f m", i, len(stops), r.Length, opt)
		}
	}
}

// Beyond ten stops the heuristic answers: within 2 % of the optimum on seeded
// instances of 11 and 12 stops (the heuristic alone is held to the same on 8 to 10
// stops in heuristic_test.go).
func TestSolveIsNearOptimalBeyondTenStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var worst float64
	for i := range 60 {
		stops := randomStops(rng, 11+i%2)
		r := route.Solve(depot, stops, route.Options{})
		checkPermutation(t, r.Order, len(stops))
		if got := tourLength(stops, r.Order); math.Abs(got-r.Length) > 1e-6 {
			t.Fatalf("instance %d: Length %f, but the order measures %f", i, r.Length, got)
		}
		opt := optimum(stops)
		gap := (r.Length - opt) / opt
		if gap > 0.02 {
			t.Errorf("instance %d (%d stops): %.1f m, optimum %.1f m: %.2f %% over", i, len(stops), r.Length, opt, 100*gap)
		}
		if gap < -1e-9 {
			t.Fatalf("instance %d: shorter than the optimum: the test's oracle is wrong", i)
		}
		worst = max(worst, gap)
	}
	t.Logf("worst gap %.3f %%", 100*worst)
}

func TestSolveGivesAPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	sizes := []int{31, 47}
	for n := range 25 {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		stops := randomStops(rng, n)
		if n > 3 {
			stops[1] = stops[0]                                              // a duplicate stop
			stops[2] = depot                                                 // a stop at the depot
			stops[3] = stops[0]                                              // and another duplicate
			stops[n-1] = route.Point{Lat: depot.Lat + 0.001, Lon: depot.Lon} // near the depot
		}
		r := route.Solve(depot, stops, route.Options{})
		checkPermutation(t, r.Order, n)
		if got := tourLength(stops, r.Order); math.Abs(got-r.Length) > 1e-6 {
			t.Errorf("%d stops: Length %f, but the order measures %f", n, r.Length, got)
		}
		if n >= 2 && r.Order[0] > r.Order[n-1] {
			t.Errorf("%d stops: order %v is not in its canonical direction", n, r.Order)
		}
	}
}

// Solve repeats. Past ten stops that holds while the clock does not cut the search,
// so those solves get a limit no loaded test machine reaches.
func TestSolveIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	for _, n := range []int{5, 8, 10, 12, 25, 40} {
		stops := randomStops(rng, n)
		opts := route.Options{}
		if n > 10 {
			opts.TimeLimit = time.Minute
		}
		first := route.Solve(depot, stops, opts)
		for range 3 {
			again := route.Solve(depot, slices.Clone(stops), opts)
			if !slices.Equal(first.Order, again.Order) || first.Length != again.Length {
				t.Fatalf("%d stops: %v (%f) then %v (%f)", n, first.Order, first.Length, again.Order, again.Length)
			}
		}
	}
}

// The 200 ms figure is carried by BenchmarkSolve40; this only checks that the limit
// holds, with a loose bound.
func TestSolveHonoursTheTimeLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	stops := randomStops(rng, 40)
	start := time.Now()
	r := route.Solve(depot, stops, route.Options{})
	if took := time.Since(start); took > time.Second {
		t.Errorf("40 stops took %v with the default limit of %v", took, route.DefaultTimeLimit)
	}
	checkPermutation(t, r.Order, 40)

	// 400 stops take seconds to search to the end; 20 ms must cut that short. The
	// bound is loose as the test machine may be busy: the clock is honoured exactly
	// in TestExpiredClockStopsTheSearch.
	many := randomStops(rng, 400)
	start = time.Now()
	r = route.Solve(depot, many, route.Options{TimeLimit: 20 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("400 stops took %v with a limit of 20ms", took)
	}
	checkPermutation(t, r.Order, 400)
	if got := tourLength(many, r.Order); math.Abs(got-r.Length) > 1e-3 {
		t.Errorf("cut short: Length %f, but the order measures %f", r.Length, got)
	}
}

func TestSolveUsesTheGivenDistance(t *testing.T) {
	// On a line, with distance the difference in longitude, the best closed tour runs
	// out to one end and back from the other: twice the span.
	line := func(a, b route.Point) float64 { return math.Abs(a.Lon - b.Lon) }
	stops := []route.Point{{Lon: 3}, {Lon: -1}, {Lon: 2}, {Lon: 1}, {Lon: -2}, {Lon: 5}, {Lon: 4}}
	r := route.Solve(route.Point{}, stops, route.Options{Distance: line})
	if r.Length != 14 {
		t.Errorf("Length = %v, want 14 (twice the span from -2 to 5)", r.Length)
	}
	// Going out along one side and back along the other, each side is monotone.
	pos := make([]float64, len(r.Order))
	for i, s := range r.Order {
		pos[i] = stops[s].Lon
	}
	turn := slices.Index(pos, 5)
	if turn < 0 || !isMonotone(pos[:turn+1]) || !isMonotone(pos[turn:]) {
		t.Errorf("order by position %v is not out-and-back", pos)
	}
}

func isMonotone(a []float64) bool {
	up, down := true, true
	for i := 1; i < len(a); i++ {
		up = up && a[i] >= a[i-1]
		down = down && a[i] <= a[i-1]
	}
	return up || down
}

func BenchmarkSolve40(b *testing.B) {
	stops := randomStops(rand.New(rand.NewPCG(40, 40)), 40)
	for b.Loop() {
		route.Solve(depot, stops, route.Options{})
	}
}

func BenchmarkSolve8(b *testing.B) {
	stops := randomStops(rand.New(rand.NewPCG(8, 8)), 8)
	for b.Loop() {
		route.Solve(depot, stops, route.Options{})
	}
}

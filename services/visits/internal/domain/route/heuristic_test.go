package route

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The heuristic on its own, on 200 seeded instances of 8 to 10 stops, against the
// exact solver (itself checked against the test oracle in route_test.go): within 2 %.
func TestHeuristicIsNearOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 135))
	depot := Point{Lat: 30.6586, Lon: 104.0647}
	var worst float64
	exact := 0
	const instances = 200
	for i := range instances {
		stops := make([]Point, 8+i%3)
		for k := range stops {
			stops[k] = Point{Lat: depot.Lat + (rng.Float64()-0.5)*0.2, Lon: depot.Lon + (rng.Float64()-0.5)*0.2}
		}
		s := newSolver(depot, stops, Options{TimeLimit: DefaultTimeLimit, Distance: Distance})
		got := s.length(s.heuristic())
		opt := s.length(s.exact())
		gap := (got - opt) / opt
		if gap > 0.02 {
			t.Errorf("instance %d (%d stops): %.1f m, optimum %.1f m: %.2f %% over", i, len(stops), got, opt, 100*gap)
		}
		if gap < -1e-9 {
			t.Fatalf("instance %d: the heuristic beats the exact solver", i)
		}
		if gap < 1e-9 {
			exact++
		}
		worst = max(worst, gap)
	}
	t.Logf("worst gap %.3f %%, optimal in %d of %d", 100*worst, exact, instances)
	// Without its kicks the local search alone is optimal in about 87 % of these and
	// up to 10 % over; with them it should be optimal almost always.
	if exact < instances*95/100 {
		t.Errorf("optimal in only %d of %d instances", exact, instances)
	}
}

// Once the deadline has passed the search stops at its next look at the clock, after
// at most clockEvery move evaluations, and still returns a tour.
func TestExpiredClockStopsTheSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	depot := Point{Lat: 30.6586, Lon: 104.0647}
	stops := make([]Point, 300)
	for k := range stops {
		stops[k] = Point{Lat: depot.Lat + (rng.Float64()-0.5)*0.2, Lon: depot.Lon + (rng.Float64()-0.5)*0.2}
	}
	s := newSolver(depot, stops, Options{TimeLimit: time.Nanosecond, Distance: Distance})
	s.deadline = time.Now().Add(-time.Second)
	tour := s.heuristic()
	if !s.expired || s.ticks > clockEvery {
		t.Errorf("after the deadline: %d evaluations, expired %v; want at most %d", s.ticks, s.expired, clockEvery)
	}
	sorted := slices.Sorted(slices.Values(tour))
	for i, node := range sorted {
		if node != i {
			t.Fatalf("tour %v is not a permutation of the nodes", tour)
		}
	}
	// With time to spare the same solver runs on well past that.
	s = newSolver(depot, stops[:40], Options{TimeLimit: time.Minute, Distance: Distance})
	s.heuristic()
	if s.expired || s.ticks < 100*clockEvery {
		t.Errorf("with a minute: %d evaluations, expired %v", s.ticks, s.expired)
	}
}

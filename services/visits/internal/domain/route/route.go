// Package route orders one day's customer stops into a short closed route that starts
// and ends at the depot, the manager's branch.
//
// The problem is the travelling-salesman tour through the depot and the stops.
// Up to ten stops (a working day holds eight) [Solve] finds the shortest tour exactly,
// by Held–Karp dynamic programming, in well under a millisecond and without looking
// at the clock. Beyond that it builds a tour by farthest insertion, improves it with
// 2-opt and Or-opt moves to a local optimum, then runs a bounded number of
// iterated-local-search rounds (a double-bridge kick followed by the same local
// search), keeping the best tour; on instances small enough to check it is within a
// fraction of a percent of the optimum.
//
// Solve is deterministic: the kicks draw from a generator seeded from the input, and
// ties are broken by stop index, so the same input gives the same order. The one
// exception is the hard time limit on the heuristic: a search cut short by the clock
// stops wherever it was. Up to a few dozen stops the search ends long before the
// default limit; exact solves never consult the clock, so a day's route repeats
// however loaded the machine is.
package route

import (
	"math"
	"time"
)

// Point is a position in WGS-84 degrees.
type Point struct {
	Lat, Lon float64
}

// EarthRadius is the mean radius of the Earth in metres (IUGG).
const EarthRadius = 6371008.8

// Distance is the great-circle (haversine) distance from a to b in metres.
func Distance(a, b Point) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	sinΔφ := math.Sin((φ2 - φ1) / 2)
	sinΔλ := math.Sin((b.Lon - a.Lon) * rad / 2)
	h := sinΔφ*sinΔφ + math.Cos(φ1)*math.Cos(φ2)*sinΔλ*sinΔλ
	return 2 * EarthRadius * math.Asin(math.Sqrt(min(h, 1)))
}

// DefaultTimeLimit bounds a solve when Options.TimeLimit is not set.
const DefaultTimeLimit = 150 * time.Millisecond

// Options tune [Solve]. The zero Options are the defaults.
type Options struct {
	// TimeLimit bounds the heuristic search of more than ten stops (DefaultTimeLimit
	// when zero or negative). It is checked every few hundred move evaluations, so it
	// is overrun by microseconds; the distance matrix and the first tour are not
	// interruptible and take O(n²).
	TimeLimit time.Duration
	// Distance between two points, for example road distance; haversine Distance when
	// nil. It must be symmetric and non-negative, and is called once per pair.
	Distance func(a, b Point) float64
}

// Result is a route: the stops in visiting order, after leaving the depot and before
// returning to it, and the length of the closed tour in the units of the distance
// (metres by default).
type Result struct {
	Order  []int // indices into the stops, a permutation
	Length float64
}

// Solve orders the stops into a short closed route from the depot back to it. The
// route is reported in the direction whose first stop has the lower index of the two
// ends. Coordinates must be finite; otherwise the order is a valid permutation with no
// other promise.
func Solve(depot Point, stops []Point, opts Options) Result {
	if opts.TimeLimit <= 0 {
		opts.TimeLimit = DefaultTimeLimit
	}
	if opts.Distance == nil {
		opts.Distance = Distance
	}
	switch len(stops) {
	case 0:
		return Result{Order: []int{}}
	case 1:
		return Result{Order: []int{0}, Length: 2 * opts.Distance(depot, stops[0])}
	}
	s := newSolver(depot, stops, opts)
	tour := s.solve()
	// tour[0] is the depot; stop i is node i+1.
	if tour[1] > tour[len(tour)-1] {
		for i, j := 1, len(tour)-1; i < j; i, j = i+1, j-1 {
			tour[i], tour[j] = tour[j], tour[i]
		}
	}
	order := make([]int, len(stops))
	for i, node := range tour[1:] {
		order[i] = node - 1
	}
	return Result{Order: order, Length: s.length(tour)}
}

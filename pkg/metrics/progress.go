package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// operations are the series of long operations, registered on first use.
type operations struct {
	items   *prometheus.GaugeVec
	runs    *prometheus.CounterVec
	seconds *prometheus.HistogramVec
}

func (m *Metrics) operations() *operations {
	m.opsOnce.Do(func() { m.ops = newOperations(m.reg) })
	return m.ops
}

func newOperations(reg prometheus.Registerer) *operations {
	ops := &operations{
		items: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rmsuite_operation_items",
			Help: "Items of a running long operation (a payroll run: its payslips), state planned or done; removed when the run ends.",
		}, []string{"operation", "run", "state"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rmsuite_operation_runs_total",
			Help: "Long operations finished, by outcome (e.g. succeeded, failed, cancelled).",
		}, []string{"operation", "outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rmsuite_operation_run_seconds",
			Help:    "Duration of finished long operations.",
			Buckets: []float64{.1, .5, 1, 5, 10, 30, 60, 120, 300, 600, 1800},
		}, []string{"operation"}),
	}
	reg.MustRegister(ops.items, ops.runs, ops.seconds)
	return ops
}

// Progress reports one kind of long operation, e.g. Progress("payroll_run"). A nil
// *Metrics gives a Progress that reports nothing, so callers need no checks.
func (m *Metrics) Progress(operation string) *Progress {
	if m == nil {
		return &Progress{}
	}
	return &Progress{ops: m.operations(), operation: operation}
}

// Progress starts runs of one operation.
type Progress struct {
	ops       *operations
	operation string
}

// Start reports a run with its number of items (0 when not known yet).
func (p *Progress) Start(run string, planned int) *Run {
	r := &Run{p: p, run: run, start: time.Now()}
	r.Planned(planned)
	r.Done(0)
	return r
}

// Run is one running operation. Its methods are safe for concurrent use.
type Run struct {
	p     *Progress
	run   string
	start time.Time
	mu    sync.Mutex
	done  int
	ended bool
}

// Planned sets the number of items the run will process.
func (r *Run) Planned(n int) {
	if r.p.ops == nil {
		return
	}
	r.p.ops.items.WithLabelValues(r.p.operation, r.run, "planned").Set(float64(n))
}

// Done adds n processed items.
func (r *Run) Done(n int) {
	if r.p.ops == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.done += n
	r.p.ops.items.WithLabelValues(r.p.operation, r.run, "done").Set(float64(r.done))
}

// Finish ends the run with an outcome (succeeded, failed, cancelled, …): its item
// series are removed, the outcome counted and the duration observed. Later calls do
// nothing.
func (r *Run) Finish(outcome string) {
	if r.p.ops == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	for _, state := range []string{"planned", "done"} {
		r.p.ops.items.DeleteLabelValues(r.p.operation, r.run, state)
	}
	r.p.ops.runs.WithLabelValues(r.p.operation, outcome).Inc()
	r.p.ops.seconds.WithLabelValues(r.p.operation).Observe(time.Since(r.start).Seconds())
}

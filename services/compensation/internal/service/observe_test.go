package service

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/metrics"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
)

// The worker's progress becomes the payroll_run series: payslips planned and
// written while a computation runs, its outcome once it ends; a computation
// taken up again after a crash starts its count afresh.
func TestPayrollProgressMetrics(t *testing.T) {
	m := metrics.New()
	observe := observePayroll(m.Progress("payroll_run"))
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	op := app.OpRecord{ID: "op1", RunID: "2026-10-east", Total: 0}
	observe(op, 0, "")
	op.Total = 5000
	observe(op, 0, "")
	observe(op, 2000, "")
	observe(op, 4000, "")
	text := scrape()
	for _, want := range []string{
		`rmsuite_operation_items{operation="payroll_run",run="payrollRuns/2026-10-east",state="planned"} 5000`,
		`rmsuite_operation_items{operation="payroll_run",run="payrollRuns/2026-10-east",state="done"} 4000`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s in\n%s", want, text)
		}
	}
	observe(op, 0, "interrupted")
	op2 := app.OpRecord{ID: "op2", RunID: "2026-10-east", Total: 5000}
	observe(op2, 2000, "")
	if text := scrape(); !strings.Contains(text, `state="done"} 2000`) ||
		!strings.Contains(text, `rmsuite_operation_runs_total{operation="payroll_run",outcome="interrupted"} 1`) {
		t.Errorf("after an interrupted computation:\n%s", text)
	}
	observe(op2, 5000, "")
	observe(op2, 0, "succeeded")
	text = scrape()
	if strings.Contains(text, `run="payrollRuns/2026-10-east"`) || !strings.Contains(text, `outcome="succeeded"} 1`) {
		t.Errorf("after the computation succeeded:\n%s", text)
	}
}

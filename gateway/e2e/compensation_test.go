package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

type moneyJSON struct {
	Units string `json:"units"`
	Nanos int    `json:"nanos"`
}

type payslipJSON struct {
	Name       string    `json:"name"`
	Trainee    bool      `json:"trainee"`
	Supervisor bool      `json:"supervisor"`
	Net        moneyJSON `json:"net"`
	Lines      []struct {
		Code   string    `json:"code"`
		Amount moneyJSON `json:"amount"`
		Inputs []struct {
			Name   string `json:"name"`
			Value  string `json:"value"`
			Source string `json:"source"`
		} `json:"inputs"`
	} `json:"lines"`
	Warnings []string `json:"warnings"`
}

type payrollRunJSON struct {
	Name        string `json:"name"`
	State       string `json:"state"`
	Approval    string `json:"approval"`
	Computation struct {
		State string `json:"state"`
		Error string `json:"error"`
	} `json:"computation"`
	PayslipCount int `json:"payslipCount"`
}

// text is the amount as "1245.83" (amounts are to the fen, so nanos are whole
// multiples of 10,000,000).
func (m moneyJSON) text() string {
	units := m.Units
	if units == "" {
		units = "0"
	}
	return fmt.Sprintf("%s.%02d", units, m.Nanos/10_000_000)
}

func (p payslipJSON) line(code string) (string, bool) {
	for _, l := range p.Lines {
		if l.Code == code {
			return l.Amount.text(), true
		}
	}
	return "", false
}

// download gets path with token and returns the answer.
func download(t *testing.T, token, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", sys.baseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// A month's payroll over REST through the gateway, against the real roster
// and assessment service: figures pushed to assessment and pay inputs to
// compensation by a bank system, a run for the east branch computed from the
// roster's seeded managers (worked example 1 on E3001's payslip, the
// supervisor's allowance, the trainee's daily wage), maker–checker with the
// branch head as the checker, the lock, who may read which payslip, and the
// downloads.
func TestPayrollOverREST(t *testing.T) {
	hr := sys.tokenFor("E0002", "head-office", auth.HROfficer)
	head := sys.tokenFor("E1100", "branch-east", auth.BranchHead)
	cbs := sys.tokenFor("svc:core-banking", "head-office", auth.System)
	cm := sys.tokenFor("E3002", "team-lujiazui", auth.CustomerManager)
	peer := sys.tokenFor("E3001", "team-lujiazui", auth.CustomerManager)
	sup := sys.tokenFor("E1101", "team-lujiazui", auth.Supervisor)
	const period = "2026-09" // 30 days: t = 30 in the bonus formula

	var e errorAnswer
	if code := callAs(t, cbs, "POST", "/v1/figureBatches", map[string]any{"batchId": "e2e-pay-2026-09", "source": "core-banking",
		"rows": []map[string]string{
			{"manager": "managers/E3001", "period": period, "code": "DEPOSIT_DAILY_AVG", "value": "50000000.00"},
			{"manager": "managers/E3001", "period": period, "code": "LOAN_DAILY_AVG", "value": "30000000.00"},
		}}, &e); code != http.StatusOK {
		t.Fatalf("figures: HTTP %d %+v", code, e.Error)
	}
	if code := callAs(t, cbs, "POST", "/v1/payInputs:batchCreate", map[string]any{"requestId": "e2e-pay-inputs", "payInputs": []map[string]any{
		{"manager": "managers/E3001", "period": period, "kind": "KIND_MARKETING_EXPENSE", "value": "2000.00"},
		{"manager": "managers/E3004", "period": period, "kind": "KIND_DAYS_WORKED", "value": "21"},
	}}, &e); code != http.StatusOK {
		t.Fatalf("pay inputs: HTTP %d %+v", code, e.Error)
	}
	if code := callAs(t, hr, "POST", "/v1/payInputs", map[string]any{"manager": "managers/E3001", "period": period,
		"kind": "KIND_DAYS_WORKED", "value": "40"}, &e); code != http.StatusBadRequest || e.Error.FieldViolations[0].Field != "pay_input.value" {
		t.Fatalf("40 days in September: HTTP %d %+v", code, e.Error)
	}

	var run payrollRunJSON
	if code := callAs(t, hr, "POST", "/v1/payrollRuns", map[string]any{"period": period, "orgUnit": "orgUnits/branch-east"}, &run); code != http.StatusOK {
		t.Fatalf("create run: HTTP %d", code)
	}
	waitUntil(t, "the run is computed", func() bool {
		return callAs(t, hr, "GET", "/v1/"+run.Name, nil, &run) == http.StatusOK && run.Computation.State != "STATE_RUNNING"
	})
	if run.State != "STATE_COMPUTED" || run.Computation.State != "STATE_SUCCEEDED" {
		t.Fatalf("computed run: %+v", run)
	}
	slip := func(token, manager string) (int, payslipJSON) {
		var p payslipJSON
		code := callAs(t, token, "GET", "/v1/"+run.Name+"/payslips/"+manager, nil, &p)
		return code, p
	}
	_, p := slip(hr, "E3001")
	if got, _ := p.line("BUSINESS_BONUS"); got != "1245.83" {
		t.Fatalf("E3001's bonus = %s, want 1245.83 (%+v)", got, p)
	}
	for _, l := range p.Lines {
		if l.Code == "BUSINESS_BONUS" {
			for _, in := range l.Inputs {
				if in.Name == "D" && (in.Value != "50000000.00" || !strings.Contains(in.Source, "DEPOSIT_DAILY_AVG")) {
					t.Errorf("input D: %+v", in)
				}
			}
		}
	}
	if _, ok := p.line("MANAGEMENT_ALLOWANCE"); ok {
		t.Error("a CM got the management allowance")
	}
	if _, s := slip(hr, "E1101"); !s.Supervisor {
		t.Errorf("E1101 (营销团队主管) is not a supervisor: %+v", s)
	} else if got, _ := s.line("MANAGEMENT_ALLOWANCE"); got != "1000.00" {
		t.Errorf("E1101's management allowance: %q", got)
	}
	if _, s := slip(hr, "E3004"); !s.Trainee || len(s.Lines) != 1 || s.Lines[0].Code != "TRAINEE_WAGE" {
		t.Errorf("the trainee E3004: %+v", s)
	} else if got, _ := s.line("TRAINEE_WAGE"); got != "4200.00" {
		t.Errorf("E3004's wage: %s", got)
	}

	// Before the lock nobody but HR and the committee reads a payslip.
	if code, _ := slip(cm, "E3002"); code != http.StatusNotFound {
		t.Errorf("own payslip before the lock: HTTP %d", code)
	}
	if code := callAs(t, hr, "POST", "/v1/"+run.Name+":submit", map[string]any{"reason": "九月工资"}, &run); code != http.StatusOK || run.State != "STATE_SUBMITTED" {
		t.Fatalf("submit: HTTP %d %+v", code, run)
	}
	if code := callAs(t, hr, "POST", "/v1/"+run.Approval+":approve", map[string]any{}, &e); code != http.StatusForbidden {
		t.Fatalf("self-approval: HTTP %d", code)
	}
	if code := callAs(t, head, "POST", "/v1/"+run.Approval+":approve", map[string]any{}, &e); code != http.StatusOK {
		t.Fatalf("the branch head approves: HTTP %d %+v", code, e.Error)
	}
	if callAs(t, hr, "GET", "/v1/"+run.Name, nil, &run); run.State != "STATE_LOCKED" {
		t.Fatalf("approved run: %+v", run)
	}
	if code := callAs(t, hr, "POST", "/v1/"+run.Name+":compute", map[string]any{}, &e); code != http.StatusConflict || e.Error.Status != "FAILED_PRECONDITION" {
		t.Fatalf("recompute a locked run: HTTP %d %+v", code, e.Error)
	}

	// After the lock: a manager reads their own payslip; not a peer's, and a
	// supervisor none of the team's.
	if code, own := slip(cm, "E3002"); code != http.StatusOK || own.Name == "" {
		t.Errorf("own payslip: HTTP %d", code)
	}
	if code, _ := slip(peer, "E3002"); code != http.StatusNotFound {
		t.Errorf("a peer's payslip: HTTP %d", code)
	}
	if code, _ := slip(sup, "E3002"); code != http.StatusNotFound {
		t.Errorf("the supervisor reads a team member's payslip: HTTP %d", code)
	}
	if code, own := slip(sup, "E1101"); code != http.StatusOK || !own.Supervisor {
		t.Errorf("the supervisor's own payslip: HTTP %d %+v", code, own)
	}

	// Downloads.
	resp, body := download(t, hr, "/v1/"+run.Name+":exportBankTransfer")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || !strings.Contains(resp.Header.Get("Content-Disposition"), "bank-transfer-2026-09-branch-east.csv") ||
		len(rows) < 3 || rows[0][1] != "工号" || rows[len(rows)-1][0] != "合计" {
		t.Fatalf("bank transfer file: HTTP %d %q %v %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), err, rows)
	}
	resp, body = download(t, hr, "/v1/"+run.Name+":exportSalaryRegister")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") || string(body[:2]) != "PK" {
		t.Fatalf("salary register: HTTP %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	resp, body = download(t, cm, "/v1/"+run.Name+"/payslips/E3002:export?format=FORMAT_HTML")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "工资条") {
		t.Fatalf("payslip page: HTTP %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := download(t, peer, "/v1/"+run.Name+"/payslips/E3002:export"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a peer's payslip page: HTTP %d", resp.StatusCode)
	}
}

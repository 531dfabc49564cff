package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
)

type planJSON struct {
	Name         string `json:"name"`
	State        string `json:"state"`
	Etag         string `json:"etag"`
	ScheduleTime string `json:"scheduleTime"`
	Items        []struct {
		ID             string `json:"id"`
		Customer       string `json:"customer"`
		Source         string `json:"source"`
		Status         string `json:"status"`
		HandedOverTo   string `json:"handedOverTo"`
		HandedOverFrom string `json:"handedOverFrom"`
		PlannedDate    *struct {
			Year, Month, Day int
		} `json:"plannedDate"`
	} `json:"items"`
}

// The visits cycle over REST through the gateway, against the real roster: the
// roster's customers reach visits through the portfolio feed; a plan is generated,
// submitted, refused to its own manager, rejected with a comment, resubmitted and
// approved by the team's supervisor; another team's manager cannot see it; the
// day's list downloads as XLSX. Then visits is stopped, a customer handed over in
// the roster, and visits started again: the open line moved to the receiver.
func TestVisitsOverREST(t *testing.T) {
	cm := sys.tokenFor("E3002", "team-lujiazui", auth.CustomerManager)
	sup := sys.tokenFor("E1101", "team-lujiazui", auth.Supervisor)
	other := sys.tokenFor("E3003", "team-hongqiao", auth.CustomerManager)
	next := civil.Of(time.Now().In(civil.Shanghai)).FirstOfMonth().AddMonths(1)
	month := fmt.Sprintf("%04d-%02d", next.Year, int(next.Month))

	for i, c := range []struct{ id, name string }{{"VREST1", "外滩便利店"}, {"VREST2", "南京路烟酒店"}} {
		if code := call(t, "POST", "/v1/customers?customerId="+c.id, map[string]any{
			"displayName": c.name, "kind": "KIND_RETAIL_OUTLET", "areaType": "AREA_TYPE_URBAN", "primaryManager": "managers/E3002",
			"address": "上海市黄浦区 " + c.name, "location": map[string]float64{"latitude": 31.235 + float64(i)*0.01, "longitude": 121.49},
		}, nil); code != http.StatusOK {
			t.Fatalf("create %s: HTTP %d", c.id, code)
		}
	}
	waitUntil(t, "visits has E3002's customers", func() bool {
		var a struct {
			Customers int `json:"customers"`
		}
		return callAs(t, cm, "GET", "/v1/managers/E3002/analyses/"+month, nil, &a) == http.StatusOK && a.Customers >= 2
	})

	var gen struct {
		PlansCreated int `json:"plansCreated"`
	}
	if code := callAs(t, cm, "POST", "/v1/plans:generate", map[string]any{"scope": "managers/E3002", "month": month}, &gen); code != http.StatusOK || gen.PlansCreated != 1 {
		t.Fatalf("generate: HTTP %d %+v", code, gen)
	}
	name := "/v1/managers/E3002/plans/" + month
	var p planJSON
	if code := callAs(t, cm, "POST", name+":submit", map[string]any{}, &p); code != http.StatusOK || p.State != "STATE_SUBMITTED" {
		t.Fatalf("submit: HTTP %d %+v", code, p)
	}
	var e errorAnswer
	if code := callAs(t, cm, "POST", name+":approve", map[string]any{}, &e); code != http.StatusForbidden || e.Error.Status != "PERMISSION_DENIED" {
		t.Fatalf("self-approval: HTTP %d %+v", code, e.Error)
	}
	if code := callAs(t, other, "GET", name, nil, &e); code != http.StatusNotFound {
		t.Fatalf("another team's manager reads the plan: HTTP %d", code)
	}
	if code := callAs(t, sup, "POST", name+":reject", map[string]any{}, &e); code != http.StatusBadRequest ||
		len(e.Error.FieldViolations) == 0 || e.Error.FieldViolations[0].Field != "comment" {
		t.Fatalf("reject without a comment: HTTP %d %+v", code, e.Error)
	}
	if code := callAs(t, sup, "POST", name+":reject", map[string]any{"comment": "请补充营销动作"}, &p); code != http.StatusOK || p.State != "STATE_REJECTED" {
		t.Fatalf("reject: HTTP %d %+v", code, p)
	}
	if code := callAs(t, cm, "POST", name+":submit", map[string]any{}, &p); code != http.StatusOK || p.State != "STATE_SUBMITTED" {
		t.Fatalf("resubmit: HTTP %d", code)
	}
	if code := callAs(t, sup, "POST", name+":approve", map[string]any{"etag": p.Etag}, &p); code != http.StatusOK || p.State != "STATE_APPROVED" {
		t.Fatalf("approve: HTTP %d %+v", code, p)
	}
	if code := callAs(t, sup, "POST", name+":approve", map[string]any{}, &e); code != http.StatusConflict || e.Error.Status != "FAILED_PRECONDITION" {
		t.Fatalf("approve twice: HTTP %d %+v", code, e.Error)
	}

	// The day's list as a download (the first scheduled day, when the calendar covers the month).
	day := next
	for _, it := range p.Items {
		if it.PlannedDate != nil {
			day = civil.Date{Year: it.PlannedDate.Year, Month: time.Month(it.PlannedDate.Month), Day: it.PlannedDate.Day}
			break
		}
	}
	req, _ := http.NewRequest("GET", sys.baseURL+"/v1/managers/E3002/days/"+day.String()+":export?format=FORMAT_XLSX", nil)
	req.Header.Set("Authorization", "Bearer "+cm)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") || len(body) < 100 || string(body[:2]) != "PK" {
		t.Fatalf("xlsx export: HTTP %d %q %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(body))
	}

	// Handover while visits is down.
	if code := callAs(t, other, "POST", "/v1/plans:generate", map[string]any{"scope": "managers/E3003", "month": month}, nil); code != http.StatusOK {
		t.Fatalf("E3003's plan: HTTP %d", code)
	}
	visits := len(sys.others) - 1
	sys.others[visits].Stop()
	if code := call(t, "POST", "/v1/customers/VREST2:assign", map[string]any{"primaryManager": "managers/E3003", "reason": "客户迁址至虹桥"}, nil); code != http.StatusOK {
		t.Fatalf("hand VREST2 over: HTTP %d", code)
	}
	sys.others[visits] = sys.spawn("visits", sys.visitsArgs...)
	waitUntil(t, "the handover reaches visits after its restart", func() bool {
		var got planJSON
		if callAs(t, other, "GET", "/v1/managers/E3003/plans/"+month, nil, &got) != http.StatusOK {
			return false
		}
		for _, it := range got.Items {
			if it.Customer == "customers/VREST2" && it.Source == "SOURCE_HANDED_OVER" && it.HandedOverFrom == "managers/E3002" {
				return true
			}
		}
		return false
	})
	if code := callAs(t, cm, "GET", name, nil, &p); code != http.StatusOK {
		t.Fatalf("E3002's plan: HTTP %d", code)
	}
	for _, it := range p.Items {
		if it.Customer == "customers/VREST2" && (it.Status != "STATUS_HANDED_OVER" || it.HandedOverTo != "managers/E3003") {
			t.Fatalf("the giver's line: %+v", it)
		}
	}
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

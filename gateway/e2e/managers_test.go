package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/auth"
)

type managerAnswer struct {
	Name    string `json:"name"`
	OrgUnit string `json:"orgUnit"`
	Phone   string `json:"phone"`
	Status  string `json:"status"`
	Grade   struct {
		Level       string `json:"level"`
		DisplayName string `json:"displayName"`
	} `json:"grade"`
}

// Managers over REST: scope, masking, the as-of query and the error statuses a
// client acts on.
func TestManagersOverREST(t *testing.T) {
	cm := sys.tokenFor("E3001", "team-lujiazui", auth.CustomerManager)
	sup := sys.tokenFor("E1101", "team-lujiazui", auth.Supervisor)
	hr := sys.tokenFor("E0002", "head-office", auth.HROfficer)
	var e errorAnswer

	var own managerAnswer
	if code := callAs(t, cm, "GET", "/v1/managers/E3001", nil, &own); code != http.StatusOK || own.Phone != "13900003001" {
		t.Fatalf("own record: HTTP %d %+v", code, own)
	}
	if code := callAs(t, cm, "GET", "/v1/managers/E3002", nil, &e); code != http.StatusNotFound {
		t.Fatalf("a peer's record: HTTP %d, want 404", code)
	}
	var peer managerAnswer
	if code := callAs(t, sup, "GET", "/v1/managers/E3002", nil, &peer); code != http.StatusOK || !strings.HasPrefix(peer.Phone, "***") {
		t.Fatalf("supervisor reading a team member: HTTP %d, phone %q (want masked)", code, peer.Phone)
	}

	var snap struct {
		OrgUnit string `json:"orgUnit"`
		Grade   struct {
			Level string `json:"level"`
		} `json:"grade"`
	}
	if code := callAs(t, hr, "GET", "/v1/managers/E3003:asOf?date.year=2023&date.month=12&date.day=31", nil, &snap); code != http.StatusOK ||
		snap.OrgUnit != "orgUnits/team-jingan" || snap.Grade.Level != "L4" {
		t.Fatalf("as of 2023-12-31: HTTP %d %+v", code, snap)
	}
	callAs(t, hr, "GET", "/v1/managers/E3003:asOf?date.year=2024&date.month=7&date.day=1", nil, &snap)
	if snap.OrgUnit != "orgUnits/team-hongqiao" || snap.Grade.Level != "L3" {
		t.Fatalf("as of 2024-07-01: %+v", snap)
	}

	// An illegal transition is a conflict with the allowed states in the message.
	if code := callAs(t, hr, "POST", "/v1/managers/E3001:confirm", map[string]any{"reason": "x"}, &e); code != http.StatusConflict ||
		!strings.Contains(e.Error.Message, "allowed only from STATUS_PROBATION") {
		t.Fatalf("confirm a confirmed manager: HTTP %d %+v", code, e)
	}
	// A missing reason is a field violation.
	e = errorAnswer{}
	if code := callAs(t, hr, "POST", "/v1/managers/E3001:transfer", map[string]any{"post": "x"}, &e); code != http.StatusBadRequest ||
		len(e.Error.FieldViolations) != 2 {
		t.Fatalf("transfer without date and reason: HTTP %d %+v", code, e)
	}
	// A CM cannot change grades at all.
	if code := callAs(t, cm, "POST", "/v1/managers/E3001:changeGrade", map[string]any{"reason": "x"}, &e); code != http.StatusForbidden {
		t.Fatalf("CM changing a grade: HTTP %d", code)
	}

	var ladders struct {
		GradeLadders []struct {
			Name string `json:"name"`
		} `json:"gradeLadders"`
	}
	if code := callAs(t, cm, "GET", "/v1/gradeLadders", nil, &ladders); code != http.StatusOK || len(ladders.GradeLadders) != 3 {
		t.Fatalf("ladders: HTTP %d %+v", code, ladders)
	}
	var dist struct {
		Total  int `json:"total"`
		Levels []struct {
			Level string `json:"level"`
			Count int    `json:"count"`
		} `json:"levels"`
	}
	if code := callAs(t, hr, "GET", "/v1/gradeLadders/bank/distribution", nil, &dist); code != http.StatusOK || dist.Total < 5 || dist.Levels[0].Level != "SR" {
		t.Fatalf("distribution: HTTP %d %+v", code, dist)
	}
}

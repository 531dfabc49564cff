package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// DOMAIN.md worked example 7 over REST: a corporate manager holding 50 customers
// (the default capacity) cannot take a 51st; the refusal is HTTP 409 naming the
// limit and the count, and nothing changes.
func TestCustomerCapacityOverREST(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("customer_code,display_name,kind,area_type,primary_manager\n")
	for i := range 50 {
		fmt.Fprintf(&csv, "REST%02d,对公客户%02d,公司,城区,E3001\n", i, i)
	}
	var imported struct {
		Rows     int `json:"rows"`
		Imported int `json:"imported"`
	}
	if code := call(t, "POST", "/v1/customers:import", map[string]any{"content": []byte(csv.String()), "requestId": "e2e-import-rest"}, &imported); code != http.StatusOK ||
		imported.Imported != 50 {
		t.Fatalf("import: HTTP %d, %+v", code, imported)
	}
	var e errorAnswer
	code := call(t, "POST", "/v1/customers?customerId=REST50", map[string]any{
		"displayName": "第五十一家公司", "kind": "KIND_CORPORATE", "areaType": "AREA_TYPE_URBAN", "primaryManager": "managers/E3001",
	}, &e)
	if code != http.StatusConflict || e.Error.Status != "FAILED_PRECONDITION" ||
		!strings.Contains(e.Error.Message, "managers/E3001 (LINE_CORPORATE) already serves 50 customers, the limit is 50") {
		t.Fatalf("51st corporate customer: HTTP %d, %+v", code, e.Error)
	}
	var load struct {
		PrimaryCustomers int    `json:"primaryCustomers"`
		Capacity         int    `json:"capacity"`
		Line             string `json:"line"`
	}
	if code := call(t, "GET", "/v1/managers/E3001:load", nil, &load); code != http.StatusOK ||
		load.PrimaryCustomers != 50 || load.Capacity != 50 || load.Line != "LINE_CORPORATE" {
		t.Fatalf("load: HTTP %d, %+v", code, load)
	}
	var list struct {
		TotalSize int `json:"totalSize"`
	}
	filter := url.QueryEscape(`primary_manager = "managers/E3001"`)
	if code := call(t, "GET", "/v1/customers?pageSize=10&filter="+filter, nil, &list); code != http.StatusOK || list.TotalSize != 50 {
		t.Fatalf("E3001's customers: HTTP %d, total %d", code, list.TotalSize)
	}
	if code := call(t, "GET", "/v1/customers/REST50", nil, nil); code != http.StatusNotFound {
		t.Fatalf("the refused customer: HTTP %d", code)
	}
}

// A customer read over REST and sent back whole (with its location, as a form
// would) updates: the gateway names the location's latitude and longitude in the
// update mask, and they stand for the location as a whole.
func TestPatchBackWholeCustomer(t *testing.T) {
	if code := call(t, "POST", "/v1/customers?customerId=PATCH01", map[string]any{
		"displayName": "老西门便利店", "kind": "KIND_RETAIL_OUTLET", "areaType": "AREA_TYPE_URBAN", "primaryManager": "managers/E3002",
		"location": map[string]float64{"latitude": 31.22, "longitude": 121.48},
	}, nil); code != http.StatusOK {
		t.Fatalf("create: HTTP %d", code)
	}
	var c map[string]any
	if code := call(t, "GET", "/v1/customers/PATCH01", nil, &c); code != http.StatusOK {
		t.Fatalf("get: HTTP %d", code)
	}
	c["displayName"] = "老西门便利店（新址）"
	c["location"] = map[string]float64{"latitude": 31.2215, "longitude": 121.4812}
	var updated struct {
		DisplayName string             `json:"displayName"`
		Location    map[string]float64 `json:"location"`
	}
	if code := call(t, "PATCH", "/v1/customers/PATCH01", c, &updated); code != http.StatusOK {
		var e errorAnswer
		call(t, "PATCH", "/v1/customers/PATCH01", c, &e)
		t.Fatalf("PATCH of the whole customer as read: HTTP %d %+v", code, e.Error)
	}
	if updated.DisplayName != "老西门便利店（新址）" || updated.Location["latitude"] != 31.2215 || updated.Location["longitude"] != 121.4812 {
		t.Fatalf("updated = %+v", updated)
	}
}

package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
)

// A manager file with Chinese headers: a dry run names exactly the bad rows, a file
// with bad rows imports nothing, a clean file imports every row.
func TestImportManagers(t *testing.T) {
	c := startManagers(t, storagetest.SQLiteURL(t))
	ctx := context.Background()
	const n = 300
	file := func(bad map[int]string) []byte {
		var b strings.Builder
		b.WriteString("\ufeff工号,姓名,性别,学历,入行日期,所属机构,岗位,条线,直接主管,手机号,信贷上岗证号,信贷上岗证有效期\n")
		for i := 0; i < n; i++ {
			row := fmt.Sprintf("N%05d,员工%d,男,本科,2024-03-01,team-jingan,零售客户经理,零售,E1201,139%08d,XD%d,2028/12/31\n", i, i, i, i)
			if line, ok := bad[i+2]; ok { // row numbers: the header is row 1
				row = line + "\n"
			}
			b.WriteString(row)
		}
		return []byte(b.String())
	}
	bad := map[int]string{
		17:  "N00015,员工15,男,本科,2024-02-30,team-jingan,零售客户经理,零售,E1201,13900000015,,", // no such day
		140: "N00138,员工138,男,本科,2024-03-01,team-nowhere,零售客户经理,零售,E1201,13900000138,,",
		255: "N00010,员工重复,女,本科,2024-03-01,team-jingan,零售客户经理,零售,,13900000253,,", // repeats row 12
	}
	before := must[*rosterv1.ListManagersResponse](t)(c.hr.ListManagers(ctx, &rosterv1.ListManagersRequest{PageSize: 1})).GetTotalSize()

	for _, dry := range []bool{true, false} {
		resp := must[*rosterv1.ImportResponse](t)(c.hr.ImportManagers(ctx, &rosterv1.ImportManagersRequest{Content: file(bad), ValidateOnly: dry}))
		rows := map[int32]string{}
		for _, p := range resp.GetProblems() {
			rows[p.GetRow()] = p.GetColumn() + ": " + p.GetReason()
		}
		if len(rows) != 3 || rows[17] == "" || rows[140] == "" || rows[255] == "" || resp.GetImported() != 0 || resp.GetRows() != n {
			t.Fatalf("dry=%v: %d rows read, %d imported, problems %v", dry, resp.GetRows(), resp.GetImported(), rows)
		}
		if !strings.Contains(rows[140], "orgUnits/team-nowhere does not exist") || !strings.Contains(rows[255], "first on row 12") ||
			!strings.HasPrefix(rows[17], "hire_date") {
			t.Errorf("reasons: %v", rows)
		}
	}
	if after := must[*rosterv1.ListManagersResponse](t)(c.hr.ListManagers(ctx, &rosterv1.ListManagersRequest{PageSize: 1})).GetTotalSize(); after != before {
		t.Fatalf("a file with bad rows changed the roster: %d → %d managers", before, after)
	}
	resp := must[*rosterv1.ImportResponse](t)(c.hr.ImportManagers(ctx, &rosterv1.ImportManagersRequest{Content: file(nil)}))
	if resp.GetImported() != n || len(resp.GetProblems()) != 0 {
		t.Fatalf("clean file: %v", resp)
	}
	m := must[*rosterv1.Manager](t)(c.hr.GetManager(ctx, &rosterv1.GetManagerRequest{Name: "managers/N00299"}))
	if m.GetOrgUnit() != "orgUnits/team-jingan" || m.GetLine() != rosterv1.Line_LINE_RETAIL || m.GetSupervisor() != "managers/E1201" ||
		m.GetStatus() != rosterv1.Manager_STATUS_CANDIDATE || m.GetQualifications()[0].GetExpiryDate().GetYear() != 2028 {
		t.Errorf("imported manager: %v", m)
	}
	// The same file again: every row already exists.
	again := must[*rosterv1.ImportResponse](t)(c.hr.ImportManagers(ctx, &rosterv1.ImportManagersRequest{Content: file(nil), ValidateOnly: true}))
	if len(again.GetProblems()) != n || !strings.Contains(again.GetProblems()[0].GetReason(), "already exists") {
		t.Errorf("re-import: %d problems, first %v", len(again.GetProblems()), again.GetProblems()[0])
	}
}

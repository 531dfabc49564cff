package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	"github.com/rmsuite/rmsuite/services/roster/internal/adapters/sqlstore"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/importfile"
)

// bigFile is a customer file of n rows spread over the retail managers R00…R11
// (at most 834 each, within the default capacity of 1000).
func bigFile(n int, prefix string) [][]string {
	rows := [][]string{customerHeader}
	for i := range n {
		r := customerRow(fmt.Sprintf("%s%05d", prefix, i), fmt.Sprintf("R%02d", i%12))
		r[2] = "零售网点"
		rows = append(rows, r)
	}
	return rows
}

// Imports of 10,000 rows: a file with three bad rows reports exactly those and
// imports nothing; a clean file imports in the caller's one transaction.
func TestImportCustomers(t *testing.T) {
	storagetest.Each(t, []storage.Migrations{sqlstore.Migrations()}, func(t *testing.T, db *storage.DB) {
		p := newPortfolio(t, db)
		ctx := p.admin
		for i := range 12 {
			p.addManager(t, fmt.Sprintf("R%02d", i), "team-e", manager.Retail, manager.Confirmed)
		}

		t.Run("three bad rows in 10,000: exactly those reported, nothing imported", func(t *testing.T) {
			rows := bigFile(10000, "B")
			rows[100][2] = "外星人"    // file row 101: kind
			rows[5001][5] = "abc"   // file row 5002: latitude
			rows[9998][9] = "GHOST" // file row 9999: primary manager
			before := p.state(t)
			for _, validateOnly := range []bool{true, false} {
				start := time.Now()
				res, err := p.customers.ImportCustomers(ctx, csvOf(rows), "", validateOnly)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("validate_only=%v: %d rows checked in %v", validateOnly, res.Rows, time.Since(start))
				got := fmt.Sprint(res.Problems)
				if res.Rows != 10000 || res.Imported != 0 || len(res.Problems) != 3 ||
					res.Problems[0].Row != 101 || res.Problems[0].Column != "kind" || !strings.Contains(res.Problems[0].Reason, `"外星人" is not a customer kind`) ||
					res.Problems[1].Row != 5002 || res.Problems[1].Column != "latitude" ||
					res.Problems[2].Row != 9999 || res.Problems[2].Column != "primary_manager" || !strings.Contains(res.Problems[2].Reason, "managers/GHOST does not exist") {
					t.Fatalf("validate_only=%v: rows %d, imported %d, problems %s", validateOnly, res.Rows, res.Imported, got)
				}
			}
			if after := p.state(t); after != before {
				t.Fatalf("a file with bad rows changed the store: %s, want %s", after, before)
			}
		})

		t.Run("a clean 10,000-row file imports in one transaction", func(t *testing.T) {
			content := csvOf(bigFile(10000, "G"))
			// Inside a transaction that then rolls back, nothing of the import stays:
			// every write went through the caller's transaction.
			rollback := errors.New("roll back")
			before := p.state(t)
			err := db.InTx(ctx, func(ctx context.Context) error {
				res, err := p.customers.ImportCustomers(ctx, content, "csv", false)
				if err != nil {
					return err
				}
				if res.Imported != 10000 {
					return fmt.Errorf("imported %d", res.Imported)
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			if after := p.state(t); after != before {
				t.Fatalf("a rolled-back import left rows behind: %s, want %s", after, before)
			}
			start := time.Now()
			res, err := p.customers.ImportCustomers(ctx, content, "csv", false)
			if err != nil || res.Imported != 10000 || len(res.Problems) != 0 {
				t.Fatalf("import: %+v, %v", res.Imported, err)
			}
			t.Logf("imported 10,000 customers in %v", time.Since(start))
			if n := p.count(t, "customers"); n != 10000 {
				t.Fatalf("%d customers, want 10000", n)
			}
			if p.load(t, "R00") != 834 || p.load(t, "R11") != 833 {
				t.Fatalf("loads: R00 %d, R11 %d", p.load(t, "R00"), p.load(t, "R11"))
			}
			c, err := p.customers.GetCustomer(ctx, "G09999")
			if err != nil || c.Kind != customer.RetailOutlet || c.AreaType != customer.Urban || c.VisitMethod != customer.InPerson ||
				c.Location == nil || c.Location.Lat != 31.2304 || c.PrimaryManagerID != "R03" {
				t.Fatalf("G09999 = %+v, %v", c, err)
			}
			// Importing the same file again: every row's code is taken, and every
			// manager would go over capacity (834 + 834): 10,012 problems. The first
			// 5,000 are listed, then a note says how many more there are.
			res, err = p.customers.ImportCustomers(ctx, content, "csv", true)
			if err != nil || len(res.Problems) != 5001 || !strings.Contains(res.Problems[0].Reason, "customers/G00000 already exists") ||
				res.Problems[5000].Row != 0 || !strings.HasPrefix(res.Problems[5000].Reason, "5012 more problems not listed") {
				t.Fatalf("re-import: %d problems, %v; first %+v, last %+v", len(res.Problems), err, res.Problems[0], res.Problems[len(res.Problems)-1])
			}
		})

		t.Run("capacity counts the file's rows per manager", func(t *testing.T) {
			// R00 serves 834 of 1000: 167 more rows overflow by one, at the 167th.
			rows := [][]string{customerHeader}
			for i := range 167 {
				rows = append(rows, customerRow(fmt.Sprintf("CAP%03d", i), "managers/R00"))
			}
			res, err := p.customers.ImportCustomers(ctx, csvOf(rows), "", false)
			if err != nil || res.Imported != 0 || len(res.Problems) != 1 || res.Problems[0].Row != 168 ||
				!strings.Contains(res.Problems[0].Reason, "managers/R00 (LINE_RETAIL) serves 834 customers, the limit is 1000, so they can take 166 more, but the file gives them 167: short by 1") {
				t.Fatalf("over capacity: %+v, %v", res, err)
			}
		})

		t.Run("an XLSX file with Chinese headers and values", func(t *testing.T) {
			f := excelize.NewFile()
			sheet := f.GetSheetName(0)
			for i, row := range [][]any{
				{"客户编号", "客户名称", "客户类型", "客户分类", "地址", "纬度", "经度", "区域类型", "拜访方式", "主管客户经理", "协管客户经理"},
				{"X-1", "张江科技有限公司", "公司", "A", "上海市浦东新区张江路 66 号", 31.2033, 121.5905, "城区", "实地", "E9", ""},
				{"X-2", "李四", "个人", "B", "", nil, nil, "农村", "电话", "E3", "E9"},
				{},
				{"X-3", "王家村小卖部", "零售网点", "C", "", nil, nil, "乡镇", "线上", "E3", ""},
			} {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow(sheet, cell, &row); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			res, err := p.customers.ImportCustomers(ctx, buf.Bytes(), "", false)
			if err != nil || res.Rows != 3 || res.Imported != 3 || len(res.Problems) != 0 {
				t.Fatalf("xlsx import: %+v, %v", res, err)
			}
			c1, _ := p.customers.GetCustomer(ctx, "X-1")
			c2, _ := p.customers.GetCustomer(ctx, "X-2")
			c3, _ := p.customers.GetCustomer(ctx, "X-3")
			if c1.Kind != customer.Corporate || c1.Location == nil || c1.Location.Lng != 121.5905 || c1.OrgUnitID != "sb-w" ||
				c2.Kind != customer.Individual || c2.AreaType != customer.Village || c2.VisitMethod != customer.Phone || c2.BackupManagerID != "E9" ||
				c3.Kind != customer.RetailOutlet || c3.AreaType != customer.Town || c3.VisitMethod != customer.Online {
				t.Fatalf("imported: %+v\n%+v\n%+v", c1, c2, c3)
			}
		})

		t.Run("rows outside a supervisor's subtree are problems", func(t *testing.T) {
			east := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "S1", OrgUnit: "br-e", Roles: []auth.Role{auth.Supervisor}})
			rows := [][]string{customerHeader, customerRow("S-1", "E2"), customerRow("S-2", "E3"), customerRow("S-3", "E4")}
			res, err := p.customers.ImportCustomers(east, csvOf(rows), "", false)
			if err != nil || res.Imported != 0 || len(res.Problems) != 2 ||
				res.Problems[0].Row != 3 || !strings.Contains(res.Problems[0].Reason, "does not exist or is outside the org subtree") ||
				res.Problems[1].Row != 4 || !strings.Contains(res.Problems[1].Reason, "managers/E4 is STATUS_CANDIDATE") {
				t.Fatalf("supervisor import: %+v, %v", res, err)
			}
		})

		t.Run("an unreadable file is an error, a bad header a problem", func(t *testing.T) {
			_, err := p.customers.ImportCustomers(ctx, []byte{0xD0, 0xCF, 0x11, 0xE0, 1, 2}, "", false)
			if !errors.Is(err, importfile.ErrUnreadable) || !strings.Contains(err.Error(), ".xls") {
				t.Fatalf("legacy xls: %v", err)
			}
			res, err := p.customers.ImportCustomers(ctx, []byte("customer_code,display_name,kind,area_type,primary_manager\n\n"), "", false)
			if err != nil || res.Imported != 0 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Reason, "no customers below it") {
				t.Fatalf("header only: %+v, %v", res, err)
			}
			res, err = p.customers.ImportCustomers(ctx, []byte("客户编号,客户名称,备注\nA,B,C\n"), "", false)
			if err != nil || res.Imported != 0 || len(res.Problems) != 4 { // 备注 unknown; kind, area_type, primary_manager missing
				t.Fatalf("bad header: %+v, %v", res, err)
			}
		})
	})
}

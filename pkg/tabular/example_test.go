package tabular_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rmsuite/rmsuite/pkg/tabular"
)

func ExampleWriteCSV() {
	t := tabular.Table{
		Columns: []tabular.Column{{Header: "姓名"}, {Header: "发薪日"}, {Header: "实发"}, {Header: "备注"}},
		Rows: [][]tabular.Cell{
			{tabular.Text("张三"), tabular.Date(2026, time.May, 31), tabular.MustDecimal("12450.83"), tabular.Text("=1+1")},
			{tabular.Text("李四"), tabular.Date(2026, time.May, 31), tabular.MustDecimal("-0.50"), tabular.Text("补扣, 上月")},
		},
	}
	var buf bytes.Buffer
	if err := tabular.WriteCSV(&buf, t); err != nil {
		panic(err)
	}
	out := strings.TrimPrefix(buf.String(), "\uFEFF") // the byte order mark
	fmt.Print(strings.ReplaceAll(out, "\r\n", "\n"))
	// Output:
	// 姓名,发薪日,实发,备注
	// 张三,2026-05-31,12450.83,'=1+1
	// 李四,2026-05-31,-0.50,"补扣, 上月"
}

// A handler serving a workbook as a download. Customer numbers are text, so
// that Excel keeps all their digits and the leading zeros.
func ExampleWriteXLSX() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		t := tabular.Table{
			Title:   "2026-05 拜访清单",
			Columns: []tabular.Column{{Header: "客户"}, {Header: "计划日期"}, {Header: "客户号", Width: 20}},
			Rows: [][]tabular.Cell{
				{tabular.Text("上海某某贸易有限公司"), tabular.Date(2026, time.May, 7), tabular.Text("0012345678901234")},
			},
		}
		var buf bytes.Buffer
		if err := tabular.WriteXLSX(&buf, t); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", tabular.ContentTypeXLSX)
		w.Header().Set("Content-Disposition", tabular.ContentDisposition("拜访清单.xlsx"))
		_, _ = w.Write(buf.Bytes())
	}
	_ = handler
}

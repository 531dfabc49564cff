package ports

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"sort"

	"google.golang.org/genproto/googleapis/api/httpbody"
	moneypb "google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/tabular"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// download sets the file name the gateway passes on to the browser.
func download(ctx context.Context, name string) {
	_ = grpc.SetHeader(ctx, metadata.Pairs("content-disposition", tabular.ContentDisposition(name)))
}

// BankTransferHeaders are the columns of the bank transfer file (layout in
// the service README).
var BankTransferHeaders = []string{"序号", "工号", "姓名", "金额", "币种", "用途", "机构", "批次"}

// bankTransfer is the bank transfer file of a locked run: one row per payslip
// with a net pay above zero, then a control row with the count and the sum.
func bankTransfer(reg app.Register) (tabular.Table, error) {
	t := tabular.Table{Title: "代发工资 " + reg.Run.Period}
	for _, h := range BankTransferHeaders {
		t.Columns = append(t.Columns, tabular.Column{Header: h})
	}
	var total money.Amount
	n := 0
	for _, p := range reg.Payslips {
		if p.Net.Sign() <= 0 {
			continue
		}
		n++
		var err error
		if total, err = total.Add(p.Net); err != nil {
			return t, err
		}
		t.Rows = append(t.Rows, []tabular.Cell{tabular.Int(int64(n)), tabular.Text(p.Manager.ID), tabular.Text(p.Manager.Name),
			tabular.MustDecimal(p.Net.String()), tabular.Text("CNY"), tabular.Text(reg.Run.Period + " 工资"),
			tabular.Text(p.Manager.OrgUnitID), tabular.Text(runPrefix + reg.Run.ID)})
	}
	t.Rows = append(t.Rows, []tabular.Cell{tabular.Text("合计"), tabular.Int(int64(n)), tabular.Empty(), tabular.MustDecimal(total.String()),
		tabular.Text("CNY"), tabular.Empty(), tabular.Empty(), tabular.Text(runPrefix + reg.Run.ID)})
	return t, nil
}

// ExportBankTransfer writes the bank transfer file of a locked run as CSV.
func (s *PayrollServer) ExportBankTransfer(ctx context.Context, req *compv1.ExportBankTransferRequest) (*httpbody.HttpBody, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	reg, err := s.app.Register(ctx, id, true)
	if err != nil {
		return nil, err
	}
	t, err := bankTransfer(reg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tabular.WriteCSV(&buf, t); err != nil {
		return nil, err
	}
	download(ctx, fmt.Sprintf("bank-transfer-%s-%s.csv", reg.Run.Period, reg.Run.OrgUnitID))
	return &httpbody.HttpBody{ContentType: tabular.ContentTypeCSV, Data: buf.Bytes()}, nil
}

// registerColumns are the fixed columns of the salary register, before one
// column per line (component) that occurs in the run.
var registerColumns = []string{"工号", "姓名", "机构", "职级", "见习", "主管"}

// salaryRegister is one sheet per org unit: a row per manager with every
// line's amount, gross, deductions and net, and a total row.
func salaryRegister(reg app.Register) ([]tabular.Table, error) {
	type col struct {
		code, name string
		kind       pay.LineKind
	}
	var cols []col
	seen := map[string]bool{}
	for _, p := range reg.Payslips {
		for _, l := range p.Lines {
			if !seen[l.Code] {
				seen[l.Code] = true
				cols = append(cols, col{l.Code, l.Name, l.Kind})
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].kind < cols[j].kind })
	header := func() []tabular.Column {
		var out []tabular.Column
		for _, h := range registerColumns {
			out = append(out, tabular.Column{Header: h})
		}
		for _, c := range cols {
			prefix := "应发"
			if c.kind == pay.Deduction {
				prefix = "扣减"
			}
			out = append(out, tabular.Column{Header: prefix + " " + c.name})
		}
		return append(out, tabular.Column{Header: "应发合计"}, tabular.Column{Header: "扣减合计"}, tabular.Column{Header: "实发合计"})
	}
	var tables []tabular.Table
	byUnit := map[string]int{}
	totals := map[string][]money.Amount{}
	yes := func(b bool) tabular.Cell {
		if b {
			return tabular.Text("是")
		}
		return tabular.Text("")
	}
	for _, p := range reg.Payslips {
		unit := p.Manager.OrgUnitID
		i, ok := byUnit[unit]
		if !ok {
			i = len(tables)
			byUnit[unit] = i
			tables = append(tables, tabular.Table{Title: unit, Columns: header()})
			totals[unit] = make([]money.Amount, len(cols)+3)
		}
		t := &tables[i]
		amounts := map[string]money.Amount{}
		for _, l := range p.Lines {
			a, err := amounts[l.Code].Add(l.Amount)
			if err != nil {
				return nil, err
			}
			amounts[l.Code] = a
		}
		row := []tabular.Cell{tabular.Text(p.Manager.ID), tabular.Text(p.Manager.Name), tabular.Text(unit), tabular.Text(p.Manager.Grade()),
			yes(p.Trainee), yes(p.Supervisor)}
		sum := totals[unit]
		for i, c := range cols {
			a, ok := amounts[c.code]
			if !ok {
				row = append(row, tabular.Empty())
				continue
			}
			row = append(row, tabular.MustDecimal(a.String()))
			var err error
			if sum[i], err = sum[i].Add(a); err != nil {
				return nil, err
			}
		}
		for i, a := range []money.Amount{p.Gross, p.Deductions, p.Net} {
			row = append(row, tabular.MustDecimal(a.String()))
			var err error
			if sum[len(cols)+i], err = sum[len(cols)+i].Add(a); err != nil {
				return nil, err
			}
		}
		t.Rows = append(t.Rows, row)
	}
	for i := range tables {
		t := &tables[i]
		row := []tabular.Cell{tabular.Text("合计"), tabular.Text(fmt.Sprintf("%d 人", len(t.Rows))), tabular.Empty(), tabular.Empty(),
			tabular.Empty(), tabular.Empty()}
		for _, a := range totals[t.Title] {
			row = append(row, tabular.MustDecimal(a.String()))
		}
		t.Rows = append(t.Rows, row)
	}
	return tables, nil
}

// ExportSalaryRegister writes the salary register of a run as XLSX.
func (s *PayrollServer) ExportSalaryRegister(ctx context.Context, req *compv1.ExportSalaryRegisterRequest) (*httpbody.HttpBody, error) {
	var f fieldErrors
	id := runID(&f, "name", req.GetName())
	if err := f.err(); err != nil {
		return nil, err
	}
	reg, err := s.app.Register(ctx, id, false)
	if err != nil {
		return nil, err
	}
	tables, err := salaryRegister(reg)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		tables = []tabular.Table{{Title: "工资表", Columns: []tabular.Column{{Header: "工号"}}}}
	}
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, tables...); err != nil {
		return nil, err
	}
	download(ctx, fmt.Sprintf("salary-register-%s-%s.xlsx", reg.Run.Period, reg.Run.OrgUnitID))
	return &httpbody.HttpBody{ContentType: tabular.ContentTypeXLSX, Data: buf.Bytes()}, nil
}

// ExportPayslip writes one payslip as an HTML page or JSON.
func (s *PayrollServer) ExportPayslip(ctx context.Context, req *compv1.ExportPayslipRequest) (*httpbody.HttpBody, error) {
	var f fieldErrors
	run, manager := payslipName(&f, "name", req.GetName())
	if _, ok := compv1.ExportPayslipRequest_Format_name[int32(req.GetFormat())]; !ok {
		f.add("format", "FORMAT_HTML or FORMAT_JSON; got %d", req.GetFormat())
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	p, _, err := s.app.Payslip(ctx, run, manager)
	if err != nil {
		return nil, err
	}
	slip := toProtoPayslip(p.RunID, p.Generation, p.RunState, p.Payslip)
	if req.GetFormat() == compv1.ExportPayslipRequest_FORMAT_JSON {
		data, err := protojson.MarshalOptions{Multiline: true, UseProtoNames: false}.Marshal(slip)
		if err != nil {
			return nil, err
		}
		return &httpbody.HttpBody{ContentType: "application/json; charset=utf-8", Data: data}, nil
	}
	var buf bytes.Buffer
	if err := payslipPage.Execute(&buf, slip); err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: "text/html; charset=utf-8", Data: buf.Bytes()}, nil
}

// payslipPage is the payslip as a page (html/template escapes every value):
// each line with its amount, formula and inputs with their sources.
var payslipPage = template.Must(template.New("payslip").Funcs(template.FuncMap{
	"amt": func(s *compv1.Payslip, which string) string {
		switch which {
		case "gross":
			return moneyText(s.GetGross())
		case "deductions":
			return moneyText(s.GetDeductions())
		}
		return moneyText(s.GetNet())
	},
	"line":      func(l *compv1.PayslipLine) string { return moneyText(l.GetAmount()) },
	"deduction": func(l *compv1.PayslipLine) bool { return l.GetKind() == compv1.LineKind_LINE_KIND_DEDUCTION },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>工资条 {{.ManagerDisplayName}} {{.Period}}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#111}
h1{font-size:1.3em;margin:0 0 .3em}
p.meta{margin:.2em 0;color:#444}
table{border-collapse:collapse;width:100%;margin-top:1em;font-size:.92em}
th,td{border:1px solid #999;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.amount{text-align:right;white-space:nowrap}
code{font-size:.9em}
ul{margin:.2em 0;padding-left:1.2em}
.warn{color:#a40}
@media print{body{margin:0}}
</style></head>
<body>
<h1>工资条 · Payslip {{.Period}}</h1>
<p class="meta">{{.ManagerDisplayName}} ({{.Manager}}) · {{.OrgUnit}} · {{.Grade}}{{if .Trainee}} · 见习{{end}}{{if .Supervisor}} · 主管{{end}}</p>
<p class="meta">{{.Name}} · {{.PayConfig}} r{{.PayConfigRevision}} · generation {{.Generation}} · {{.RunState}}</p>
<table>
<thead><tr><th>项目</th><th>金额</th><th>计算公式与数据来源</th></tr></thead>
<tbody>
{{range .Lines}}<tr><td>{{.DisplayName}}<br><small>{{.Code}}</small></td><td class="amount">{{if deduction .}}−{{end}}{{line .}}</td>
<td><code>{{.Formula}}</code>{{if .Note}}<br><small>{{.Note}}</small>{{end}}
<ul>{{range .Inputs}}<li><code>{{.Name}}</code> = {{.Value}} — {{.Source}}</li>{{end}}</ul></td></tr>
{{end}}</tbody>
<tfoot>
<tr><th>应发合计 Gross</th><td class="amount">{{amt . "gross"}}</td><td></td></tr>
<tr><th>扣减合计 Deductions</th><td class="amount">{{amt . "deductions"}}</td><td></td></tr>
<tr><th>实发合计 Net</th><td class="amount"><b>{{amt . "net"}}</b></td><td></td></tr>
</tfoot></table>
{{range .Warnings}}<p class="warn">⚠ {{.}}</p>{{end}}
</body></html>
`))

// moneyText is an amount as "1234.56".
func moneyText(m interface {
	GetCurrencyCode() string
	GetUnits() int64
	GetNanos() int32
}) string {
	a, err := money.FromProto(&moneypb.Money{CurrencyCode: m.GetCurrencyCode(), Units: m.GetUnits(), Nanos: m.GetNanos()})
	if err != nil {
		return "?"
	}
	return a.String()
}

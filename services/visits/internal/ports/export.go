package ports

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"strings"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/tabular"
	visitsv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/visits/v1"
	"github.com/rmsuite/rmsuite/services/visits/internal/app"
	"github.com/rmsuite/rmsuite/services/visits/internal/domain/plan"
)

// ExportDayList writes a manager's day as CSV, XLSX or a printable HTML page.
// The file name goes back in the content-disposition header (the gateway passes
// it on to the browser).
func (s *Server) ExportDayList(ctx context.Context, req *visitsv1.ExportDayListRequest) (*httpbody.HttpBody, error) {
	var v apierr.Violations
	m, day := dayName(&v, req.GetName())
	format := req.GetFormat()
	if _, ok := visitsv1.ExportDayListRequest_Format_name[int32(format)]; !ok {
		v.Add("format", "FORMAT_CSV, FORMAT_XLSX or FORMAT_HTML; got %d", format)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	d, err := s.app.DayList(ctx, m, day)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("visits-%s-%s", d.Manager.ID, d.Day)
	var buf bytes.Buffer
	out := &httpbody.HttpBody{}
	switch format {
	case visitsv1.ExportDayListRequest_FORMAT_HTML:
		if err := dayPage.Execute(&buf, dayPageData(d)); err != nil {
			return nil, err
		}
		out.ContentType = "text/html; charset=utf-8"
	case visitsv1.ExportDayListRequest_FORMAT_XLSX:
		if err := tabular.WriteXLSX(&buf, dayTable(d)); err != nil {
			return nil, err
		}
		out.ContentType, base = tabular.ContentTypeXLSX, base+".xlsx"
	default:
		if err := tabular.WriteCSV(&buf, dayTable(d)); err != nil {
			return nil, err
		}
		out.ContentType, base = tabular.ContentTypeCSV, base+".csv"
	}
	out.Data = buf.Bytes()
	if format != visitsv1.ExportDayListRequest_FORMAT_HTML {
		_ = grpc.SetHeader(ctx, metadata.Pairs("content-disposition", tabular.ContentDisposition(base)))
	}
	return out, nil
}

var (
	methodNames = map[plan.Method]string{plan.OnSite: "实地", plan.Phone: "电话", plan.Online: "线上"}
	slotNames   = map[plan.Slot]string{plan.Morning: "上午", plan.Afternoon: "下午"}
	statusMarks = map[plan.Status]string{plan.Planned: "☆", plan.Done: "★", plan.Open: "●", plan.HandedOver: "→"}
)

func kindName(k plan.Kind) string {
	if k == plan.TaskLine {
		return "工作安排"
	}
	return "拜访"
}

// dayTable is the day as one sheet: a row per stop, in route order.
func dayTable(d app.DayList) tabular.Table {
	t := tabular.Table{Title: d.Day.String(), Columns: []tabular.Column{
		{Header: "序号 No."}, {Header: "标记 Mark"}, {Header: "类型 Kind"}, {Header: "时段 Slot"}, {Header: "客户编码 Customer"},
		{Header: "客户名称 Name"}, {Header: "地址 Address"}, {Header: "方式 Method"}, {Header: "营销动作 Actions"},
		{Header: "结转次数 Carried"},
	}}
	for i, st := range d.Stops {
		it := st.Item
		t.Rows = append(t.Rows, []tabular.Cell{tabular.Int(int64(i + 1)), tabular.Text(statusMarks[it.Status]),
			tabular.Text(kindName(it.Kind)), tabular.Text(slotNames[it.Slot]), tabular.Text(it.CustomerID),
			tabular.Text(st.Customer.Name), tabular.Text(st.Customer.Address), tabular.Text(methodNames[it.Method]),
			tabular.Text(strings.Join(it.Actions, "；")), tabular.Int(int64(it.CarryCount))})
	}
	return t
}

type pageStop struct {
	No                                        int
	Mark, Kind, Slot, Customer, Name, Address string
	Method, Actions                           string
	Carried                                   int
}

type pageData struct {
	Manager, ManagerName, Day, DayKind, Note, Start string
	RouteKM                                         string
	Stops                                           []pageStop
}

func dayPageData(d app.DayList) pageData {
	out := pageData{Manager: d.Manager.ID, ManagerName: d.Manager.Name, Day: d.Day.String(), DayKind: dayKinds[d.Kind],
		Note: d.Note, Start: d.StartAddress, RouteKM: fmt.Sprintf("%d.%d", d.RouteMeters/1000, d.RouteMeters%1000/100)}
	for i, st := range d.Stops {
		it := st.Item
		out.Stops = append(out.Stops, pageStop{No: i + 1, Mark: statusMarks[it.Status], Kind: kindName(it.Kind),
			Slot: slotNames[it.Slot], Customer: it.CustomerID, Name: st.Customer.Name, Address: st.Customer.Address,
			Method: methodNames[it.Method], Actions: strings.Join(it.Actions, "；"), Carried: it.CarryCount})
	}
	return out
}

// dayPage is the printable daily visit list (html/template escapes every value).
var dayPage = template.Must(template.New("day").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>拜访清单 {{.ManagerName}} {{.Day}}</title>
<style>
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#111}
h1{font-size:1.3em;margin:0 0 .3em}
p.meta{margin:.2em 0;color:#444}
table{border-collapse:collapse;width:100%;margin-top:1em;font-size:.92em}
th,td{border:1px solid #999;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.sign{width:8em}
@media print{body{margin:0}button{display:none}}
</style></head>
<body>
<h1>客户拜访清单 · Daily visit list</h1>
<p class="meta">客户经理 Manager: {{.ManagerName}} ({{.Manager}}) · 日期 Date: {{.Day}} {{.DayKind}}{{if .Note}} {{.Note}}{{end}}</p>
<p class="meta">出发/返回 Start and end: {{.Start}} · 路线约 Route ≈ {{.RouteKM}} km</p>
<table>
<thead><tr><th>#</th><th>标记</th><th>类型</th><th>时段</th><th>客户</th><th>地址</th><th>方式</th><th>营销动作</th><th>签到/备注</th></tr></thead>
<tbody>
{{range .Stops}}<tr><td>{{.No}}</td><td>{{.Mark}}</td><td>{{.Kind}}</td><td>{{.Slot}}</td><td>{{.Name}}<br><small>{{.Customer}}</small>{{if .Carried}}<br><small>结转 {{.Carried}} 次</small>{{end}}</td><td>{{.Address}}</td><td>{{.Method}}</td><td>{{.Actions}}</td><td class="sign"></td></tr>
{{else}}<tr><td colspan="9">当日无拜访安排 · Nothing planned for this day.</td></tr>
{{end}}</tbody></table>
<p class="meta">标记 Marks: ☆ 计划 planned · ★ 完成 done · ● 临时任务未完成 open task</p>
</body></html>
`))

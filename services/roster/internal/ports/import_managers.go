package ports

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/civil"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/importfile"
)

// managerImportSpec is the columns of a manager import, with the Chinese headers HR
// spreadsheets use.
var managerImportSpec = importfile.Spec{Columns: []importfile.Column{
	{Key: "employee_number", Aliases: []string{"工号", "员工编号", "employee_no"}, Required: true},
	{Key: "display_name", Aliases: []string{"姓名", "name"}, Required: true},
	{Key: "gender", Aliases: []string{"性别"}},
	{Key: "birth_date", Aliases: []string{"出生日期"}},
	{Key: "education", Aliases: []string{"学历"}},
	{Key: "hire_date", Aliases: []string{"入行日期", "入职日期"}, Required: true},
	{Key: "finance_start_date", Aliases: []string{"从事金融工作日期", "参加金融工作日期"}},
	{Key: "org_unit", Aliases: []string{"所属机构", "机构"}, Required: true},
	{Key: "post", Aliases: []string{"岗位"}},
	{Key: "line", Aliases: []string{"条线", "业务条线"}, Required: true},
	{Key: "category", Aliases: []string{"类别", "客户经理类别"}},
	{Key: "employment_type", Aliases: []string{"用工性质", "用工类型"}},
	{Key: "supervisor", Aliases: []string{"直接主管", "主管"}},
	{Key: "id_number", Aliases: []string{"身份证号", "身份证号码"}},
	{Key: "phone", Aliases: []string{"手机号", "手机", "联系电话"}},
	{Key: "credit_licence_number", Aliases: []string{"信贷上岗证号", "信贷上岗证编号"}},
	{Key: "credit_licence_expiry", Aliases: []string{"信贷上岗证有效期", "信贷上岗证到期日"}},
}}

// enumCell maps the words people write in a cell to an enum value.
type enumCell map[string]int

var (
	genderCell    = enumCell{"男": 1, "male": 1, "m": 1, "GENDER_MALE": 1, "女": 2, "female": 2, "f": 2, "GENDER_FEMALE": 2}
	educationCell = enumCell{"初中及以下": 1, "初中": 1, "高中": 2, "中专": 2, "高中·中专": 2, "大专": 3, "本科": 4, "硕士": 5,
		"硕士及以上": 5, "博士": 5, "研究生": 5, "EDUCATION_JUNIOR_MIDDLE": 1, "EDUCATION_SENIOR_MIDDLE": 2,
		"EDUCATION_JUNIOR_COLLEGE": 3, "EDUCATION_BACHELOR": 4, "EDUCATION_MASTER": 5}
	lineCell = enumCell{"公司": 1, "对公": 1, "corporate": 1, "LINE_CORPORATE": 1, "零售": 2, "个人": 2, "retail": 2,
		"LINE_RETAIL": 2, "小微": 3, "micro": 3, "LINE_MICRO": 3}
	categoryCell = enumCell{"市场经理": 1, "信贷业务经理": 2, "营销设计经理": 3, "专业经理": 4, "CATEGORY_MARKET": 1,
		"CATEGORY_CREDIT": 2, "CATEGORY_MARKETING_DESIGN": 3, "CATEGORY_SPECIALIST": 4}
	employmentCell = enumCell{"聘用制": 1, "合同制": 1, "contract": 1, "EMPLOYMENT_TYPE_CONTRACT": 1, "正式": 2, "正式员工": 2,
		"permanent": 2, "EMPLOYMENT_TYPE_PERMANENT": 2}
)

func (e enumCell) parse(p *importfile.Problems, row int, column, cell string, required bool) int {
	if cell == "" {
		if required {
			p.Add(row, column, "is empty; it is required")
		}
		return 0
	}
	for k, v := range e {
		if strings.EqualFold(k, cell) {
			return v
		}
	}
	var words []string
	for k := range e {
		if !strings.Contains(k, "_") && strings.ToLower(k) != k {
			words = append(words, k) // the Chinese words
		}
	}
	slices.Sort(words)
	p.Add(row, column, "%q is not a known value; write one of %s", cell, strings.Join(words, ", "))
	return 0
}

// importManagers reads a manager file and imports it, all or nothing.
func (s *ManagerServer) importManagers(ctx context.Context, req *rosterv1.ImportManagersRequest) (*rosterv1.ImportResponse, error) {
	file, problems, err := importfile.Read(req.GetContent(), req.GetFormat(), managerImportSpec)
	if errors.Is(err, importfile.ErrUnreadable) {
		return nil, apierr.Invalid("content", "%s", strings.TrimPrefix(err.Error(), importfile.ErrUnreadable.Error()+": "))
	}
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ImportResponse{}
	var rows []app.ImportRow
	if file != nil {
		resp.Rows = int32(len(file.Rows))
		for _, r := range file.Rows {
			if m, ok := managerFromRow(problems, r); ok {
				rows = append(rows, app.ImportRow{Row: r.Number, Manager: m})
			}
		}
	}
	if file != nil { // check the good rows too, so that one answer names every bad row
		found, err := s.managers.Import(ctx, rows, req.GetValidateOnly() || problems.Len() > 0)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			problems.Add(f.Row, f.Column, "%s", f.Reason)
		}
	}
	for _, p := range problems.List() {
		resp.Problems = append(resp.Problems, &rosterv1.ImportProblem{Row: int32(p.Row), Column: p.Column, Reason: p.Reason})
	}
	if len(resp.Problems) > 0 || req.GetValidateOnly() {
		audit.MarkNoChange(ctx)
		return resp, nil
	}
	resp.Imported = int32(len(rows))
	return resp, recordChange(ctx, audit.Change{ObjectType: "ManagerImport", Object: "managers", OrgPath: "/",
		After: resp, Reason: "imported managers from a file"})
}

// managerFromRow converts one row, adding a problem for every bad cell.
func managerFromRow(p *importfile.Problems, r importfile.Row) (manager.Manager, bool) {
	before := p.Len()
	m := manager.Manager{
		ID: importfile.ParseManager(r.Get("employee_number")), DisplayName: r.Get("display_name"), Post: r.Get("post"),
		IDNumber: r.Get("id_number"), Phone: r.Get("phone"), SupervisorID: importfile.ParseManager(r.Get("supervisor")),
		OrgUnitID: strings.TrimPrefix(r.Get("org_unit"), orgUnitPrefix),
	}
	if !employeeNumber.MatchString(m.ID) {
		p.Add(r.Number, "employee_number", "%q is not an employee number: 1 to 32 letters, digits and hyphens", m.ID)
	}
	if m.DisplayName == "" {
		p.Add(r.Number, "display_name", "is empty; it is required")
	}
	if !idPattern.MatchString(m.OrgUnitID) {
		p.Add(r.Number, "org_unit", "%q is not an org unit id, e.g. team-lujiazui", m.OrgUnitID)
	}
	m.Gender = genderCell.parse(p, r.Number, "gender", r.Get("gender"), false)
	m.Education = educationCell.parse(p, r.Number, "education", r.Get("education"), false)
	m.Line = manager.Line(lineCell.parse(p, r.Number, "line", r.Get("line"), true))
	m.Category = categoryCell.parse(p, r.Number, "category", r.Get("category"), false)
	m.EmploymentType = employmentCell.parse(p, r.Number, "employment_type", r.Get("employment_type"), false)
	for _, f := range []struct {
		col      string
		required bool
		set      func(d civil.Date)
	}{
		{"birth_date", false, func(d civil.Date) { m.BirthDate = d }},
		{"hire_date", true, func(d civil.Date) { m.HireDate = d }},
		{"finance_start_date", false, func(d civil.Date) { m.FinanceStart = d }},
	} {
		d, err := importfile.ParseDate(r.Get(f.col))
		switch {
		case err != nil:
			p.Add(r.Number, f.col, "%v", err)
		case d.IsZero() && f.required:
			p.Add(r.Number, f.col, "is empty; it is required")
		default:
			f.set(d)
		}
	}
	if m.IDNumber != "" && !idNumberPattern.MatchString(m.IDNumber) {
		p.Add(r.Number, "id_number", "is not a resident ID number: 18 characters, digits with an optional final X")
	}
	if m.Phone != "" && !phonePattern.MatchString(m.Phone) {
		p.Add(r.Number, "phone", "is not a phone number")
	}
	if no := r.Get("credit_licence_number"); no != "" {
		exp, err := importfile.ParseDate(r.Get("credit_licence_expiry"))
		if err != nil {
			p.Add(r.Number, "credit_licence_expiry", "%v", err)
		}
		m.Qualifications = []manager.Qualification{{Kind: manager.CreditLicence, Number: no, Issue: m.HireDate, Expiry: exp}}
	}
	return m, p.Len() == before
}

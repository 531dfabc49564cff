package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// DefaultLadders are the three ladders of DOMAIN.md §3, created on first start of
// every install (ladders are data: HR changes them through the API).
var DefaultLadders = []manager.Ladder{
	{ID: "bank", DisplayName: "银行客户经理等级 (bank ladder)", Default: true, TraineeMonths: 12, Levels: []manager.Level{
		{Code: "T", DisplayName: "见习", StaffGrade: 9},
		{Code: "L4", DisplayName: "四级", StaffGrade: 9},
		{Code: "L3", DisplayName: "三级", StaffGrade: 8},
		{Code: "L2", DisplayName: "二级", StaffGrade: 7},
		{Code: "L1", DisplayName: "一级", StaffGrade: 6},
		{Code: "SR", DisplayName: "高级", StaffGrade: 5},
	}},
	{ID: "three-levels-nine-bands", DisplayName: "三级九档", Levels: []manager.Level{
		{Code: "JUNIOR", DisplayName: "初级", Bands: []string{"A", "B", "C"}, TargetShare: "0.30"},
		{Code: "MIDDLE", DisplayName: "中级", Bands: []string{"A", "B", "C"}, TargetShare: "0.60"},
		{Code: "SENIOR", DisplayName: "高级", Bands: []string{"A", "B", "C"}, TargetShare: "0.10"},
	}},
	{ID: "sales", DisplayName: "营销序列 (sales ladder, dual channel)", Levels: []manager.Level{
		{Code: "ASSISTANT", DisplayName: "助理"},
		{Code: "JUNIOR", DisplayName: "初级"},
		{Code: "MIDDLE", DisplayName: "中级"},
		{Code: "SENIOR", DisplayName: "高级"},
		{Code: "SPECIAL", DisplayName: "特级"},
		{Code: "PRINCIPAL", DisplayName: "资深"},
		{Code: "SUP1", DisplayName: "初级主管", Track: "management"},
		{Code: "SUP2", DisplayName: "中级主管", Track: "management"},
		{Code: "SUP3", DisplayName: "高级主管", Track: "management"},
	}},
}

// demoManager is one demonstration manager and the career it had.
type demoManager struct {
	m         manager.Manager
	appointed string   // day probation began; "" stays a candidate
	confirmed string   // day confirmed
	grades    []string // "level@day", in order
	transfer  *app.Transfer
	transDay  string
}

func qualified(m manager.Manager) manager.Manager {
	m.Education = 4
	m.Qualifications = []manager.Qualification{{Kind: manager.CreditLicence, Number: "XD-" + m.ID,
		Issue: m.HireDate, Expiry: civil.MustParse("2028-12-31")}}
	m.Entry.KnowledgeExam, m.Entry.ConductReview = m.HireDate, m.HireDate
	return m
}

var demoManagers = []demoManager{
	{m: qualified(manager.Manager{ID: "E1101", DisplayName: "周杰", Gender: 1, HireDate: civil.MustParse("2012-03-01"),
		FinanceStart: civil.MustParse("2009-07-01"), OrgUnitID: "team-lujiazui", Post: "营销团队主管", Line: manager.Retail,
		Category: 1, EmploymentType: 2, IDNumber: "310101198203150031", Phone: "13800001101"}),
		appointed: "2012-06-01", confirmed: "2012-09-01", grades: []string{"L4@2013-01-01", "L3@2015-01-01", "L2@2018-01-01", "L1@2022-01-01"},
		transfer: &app.Transfer{Line: manager.Corporate, Reason: "转任公司条线"}, transDay: "2016-01-01"},
	{m: qualified(manager.Manager{ID: "E1201", DisplayName: "吴芳", Gender: 2, HireDate: civil.MustParse("2014-07-01"),
		FinanceStart: civil.MustParse("2011-07-01"), OrgUnitID: "team-hongqiao", Post: "营销团队主管", Line: manager.Retail,
		Category: 1, EmploymentType: 2, IDNumber: "310105198805200042", Phone: "13800001201"}),
		appointed: "2014-09-01", confirmed: "2014-12-01", grades: []string{"L4@2015-01-01", "L3@2017-01-01", "L2@2021-01-01"}},
	{m: qualified(manager.Manager{ID: "E3001", DisplayName: "郑伟", Gender: 1, HireDate: civil.MustParse("2019-07-01"),
		FinanceStart: civil.MustParse("2017-07-01"), OrgUnitID: "team-lujiazui", Post: "零售客户经理", Line: manager.Retail,
		Category: 2, EmploymentType: 2, SupervisorID: "E1101", IDNumber: "310115199502110013", Phone: "13900003001"}),
		appointed: "2019-09-01", confirmed: "2019-12-01", grades: []string{"T@2019-09-01", "L4@2020-09-01", "L3@2023-01-01"},
		transfer: &app.Transfer{Post: "对公客户经理", Line: manager.Corporate, Reason: "零售条线满两年，转任对公客户经理"}, transDay: "2022-01-01"},
	{m: qualified(manager.Manager{ID: "E3002", DisplayName: "冯霞", Gender: 2, HireDate: civil.MustParse("2021-03-01"),
		FinanceStart: civil.MustParse("2021-03-01"), OrgUnitID: "team-lujiazui", Post: "零售客户经理", Line: manager.Retail,
		Category: 1, EmploymentType: 1, SupervisorID: "E1101", IDNumber: "31011519980611002X", Phone: "13900003002"}),
		appointed: "2022-03-01", confirmed: "2022-06-01", grades: []string{"T@2022-03-01", "L4@2023-03-01"}},
	{m: qualified(manager.Manager{ID: "E3003", DisplayName: "何磊", Gender: 1, HireDate: civil.MustParse("2020-09-01"),
		FinanceStart: civil.MustParse("2018-09-01"), OrgUnitID: "team-jingan", Post: "零售客户经理", Line: manager.Retail,
		Category: 1, EmploymentType: 2, IDNumber: "310106199401010057", Phone: "13900003003"}),
		appointed: "2020-10-01", confirmed: "2021-01-01", grades: []string{"T@2020-10-01", "L4@2021-10-01", "L3@2024-07-01"},
		transfer: &app.Transfer{OrgUnitID: "team-hongqiao", Supervisor: ptr("E1201"), Reason: "调入虹桥支行营销团队"}, transDay: "2024-01-01"},
	{m: qualified(manager.Manager{ID: "E3004", DisplayName: "林涛", Gender: 1, HireDate: civil.MustParse("2026-08-15"),
		FinanceStart: civil.MustParse("2023-07-01"), OrgUnitID: "team-zhangjiang", Post: "零售客户经理", Line: manager.Retail,
		Category: 1, EmploymentType: 1, IDNumber: "310115200001010018", Phone: "13900003004"}),
		appointed: "2026-09-01", grades: []string{"T@2026-09-01"}},
	{m: manager.Manager{ID: "E3005", DisplayName: "高宁", Gender: 2, Education: 2, HireDate: civil.MustParse("2026-10-08"),
		OrgUnitID: "team-jingan", Post: "零售客户经理", Line: manager.Retail, Category: 1, EmploymentType: 1}},
}

func ptr(s string) *string { return &s }

// seedCaller acts as an administrator and as a bank system, so that seeded grade
// changes apply at once as the assessment service's would.
var seedCaller = auth.Principal{Subject: "system:seed", Roles: []auth.Role{auth.Administrator, auth.System}}

// seedManagers creates the demonstration managers with their careers when there
// are none yet.
func seedManagers(ctx context.Context, ms *app.Managers) (bool, error) {
	ctx = auth.WithPrincipal(ctx, seedCaller)
	if n, err := ms.Count(ctx); err != nil || n > 0 {
		return false, err
	}
	for _, d := range demoManagers {
		if _, err := ms.Create(ctx, d.m); err != nil {
			return false, fmt.Errorf("seed managers/%s: %w", d.m.ID, err)
		}
		if d.appointed != "" {
			if _, _, err := ms.Transition(ctx, d.m.ID, "", "首次聘任", manager.Step{Transition: manager.Appoint, Date: civil.MustParse(d.appointed)}); err != nil {
				return false, fmt.Errorf("seed managers/%s: appoint: %w", d.m.ID, err)
			}
		}
		if d.confirmed != "" {
			if _, _, err := ms.Transition(ctx, d.m.ID, "", "实习期满考核合格", manager.Step{Transition: manager.Confirm, Date: civil.MustParse(d.confirmed)}); err != nil {
				return false, fmt.Errorf("seed managers/%s: confirm: %w", d.m.ID, err)
			}
		}
		for i, g := range d.grades {
			level, day, _ := strings.Cut(g, "@")
			if d.transfer != nil && i == len(d.grades)-1 {
				t := *d.transfer
				t.Date = civil.MustParse(d.transDay)
				if _, err := ms.TransferManager(ctx, d.m.ID, "", t); err != nil {
					return false, fmt.Errorf("seed managers/%s: transfer: %w", d.m.ID, err)
				}
			}
			if _, _, err := ms.ChangeGrade(ctx, d.m.ID, app.GradeChange{Grade: manager.Grade{Ladder: "bank", Level: level,
				Effective: civil.MustParse(day)}, Reason: "年度考核定级", Reference: "seed"}); err != nil {
				return false, fmt.Errorf("seed managers/%s: grade %s: %w", d.m.ID, level, err)
			}
		}
	}
	return true, nil
}

package auth

import "slices"

// Permission is one thing a role may do. Permissions are named
// <service>.<collection>.<verb>; each service's Rules say which one each RPC needs.
type Permission string

// The permissions of the suite.
const (
	OrgUnitsRead  Permission = "roster.orgUnits.read"
	OrgUnitsWrite Permission = "roster.orgUnits.write"
	AuditRead     Permission = "audit.records.read"

	// Roster: managers, their grades and lifecycle; ladders; customers.
	ManagersRead      Permission = "roster.managers.read"
	ManagersWrite     Permission = "roster.managers.write"     // records, transfers, imports
	LifecycleWrite    Permission = "roster.lifecycle.write"    // appoint, confirm, extend, observe, exit
	LifecycleApprove  Permission = "roster.lifecycle.approve"  // early confirmation, extension, entry waivers
	GradesChange      Permission = "roster.grades.change"      // a person's change waits for approval; a system's applies
	GradesApprove     Permission = "roster.grades.approve"     // approve grade changes prepared by others
	LaddersWrite      Permission = "roster.ladders.write"      // configure grade ladders
	CustomersRead     Permission = "roster.customers.read"     // narrowed to own / team / subtree
	CustomersWrite    Permission = "roster.customers.write"    // create, update, assign, hand over, import
	PortfolioSettings Permission = "roster.portfolio.settings" // capacity limits
	PortfolioWatch    Permission = "roster.portfolio.watch"    // the change feed (other services)
	// Visits: the monthly plans, tasks and visit records of the 135 cycle.
	PlansRead       Permission = "visits.plans.read"     // narrowed to own / subtree
	PlansWrite      Permission = "visits.plans.write"    // edit and submit one's own plan, record visits, finish tasks
	PlansGenerate   Permission = "visits.plans.generate" // one's own plan, or a subtree's
	PlansReview     Permission = "visits.plans.review"   // approve or reject others' plans in one's subtree
	TasksAssign     Permission = "visits.tasks.assign"   // supervisors' tasks (工作安排)
	VisitRulesWrite Permission = "visits.rules.write"    // the frequency table and the visit settings
	RequestsWrite   Permission = "visits.requests.write" // record customers' requests and answer them
	// Assessment: the indicator library and templates; business figures pushed by
	// other bank systems.
	IndicatorsRead  Permission = "assessment.indicators.read"  // the library and the templates
	IndicatorsWrite Permission = "assessment.indicators.write" // configure indicators and templates
	FiguresImport   Permission = "assessment.figures.import"   // push batches of business figures (bank systems)
	FiguresRead     Permission = "assessment.figures.read"     // narrowed to own / subtree
	// Assessment runs, scores, grade decisions, appeals and surveys.
	ScoresRead         Permission = "assessment.scores.read"       // runs, score cards, coefficients; narrowed to own / subtree
	RunsWrite          Permission = "assessment.runs.write"        // start and recompute runs, prepare closing
	RatingsWrite       Permission = "assessment.ratings.write"     // supervisor ratings (manual indicators) of one's subtree
	RunsApprove        Permission = "assessment.runs.approve"      // approve closing a run prepared by another person
	DecisionsWrite     Permission = "assessment.decisions.write"   // prepare grade decisions (promotion, maintenance, quotas)
	DecisionsApprove   Permission = "assessment.decisions.approve" // the committee's approval of decisions prepared by others
	DemotionsPropose   Permission = "assessment.demotions.propose" // out-of-cycle early demotion or dismissal (supervisor)
	DemotionsApprove   Permission = "assessment.demotions.approve" // approve an early demotion or dismissal (branch head)
	AppealsFile        Permission = "assessment.appeals.file"      // a manager contests their own result
	AppealsDecide      Permission = "assessment.appeals.decide"    // the committee upholds or amends
	SurveysWrite       Permission = "assessment.surveys.write"     // questionnaires and campaigns
	SurveyResponsesPut Permission = "assessment.surveys.respond"   // customers' answers, through a bank channel
	// Compensation: pay components and formulas, payroll runs, payslips. Salary
	// and bonus figures are seen only by the manager themself, HR and the
	// committee (field-level rule of issue 3), never by peers or supervisors.
	PayRead        Permission = "compensation.pay.read"        // pay components, tables and formulas
	PayWrite       Permission = "compensation.pay.write"       // configure them (effective-dated)
	PayInputsWrite Permission = "compensation.inputs.write"    // deductions, awards, days worked, collections
	PayrollRun     Permission = "compensation.payroll.run"     // create, compute, recompute, submit, cancel, what-if
	PayrollApprove Permission = "compensation.payroll.approve" // approve a run prepared by another person, which locks it
	PayslipsRead   Permission = "compensation.payslips.read"   // own payslip for everyone paid; subtree only for HR and the committee
	PayrollExport  Permission = "compensation.payroll.export"  // bank transfer file and salary register
	// Approvals: reading one's own and those in scope; deciding on others' actions.
	// Each action also names the permission its approver needs.
	ApprovalsRead   Permission = "approvals.read"
	ApprovalsDecide Permission = "approvals.decide"
)

// RolePermissions is what each role may do — the one table of the suite. Object
// scope (own records, team, subtree) narrows it further inside each service.
var RolePermissions = map[Role][]Permission{
	CustomerManager: {OrgUnitsRead, ApprovalsRead, ManagersRead, CustomersRead,
		PlansRead, PlansWrite, PlansGenerate, RequestsWrite, IndicatorsRead, FiguresRead,
		ScoresRead, AppealsFile, PayslipsRead},
	Supervisor: {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide, ManagersRead,
		CustomersRead, CustomersWrite, PlansRead, PlansWrite, PlansGenerate, PlansReview, TasksAssign, RequestsWrite,
		IndicatorsRead, FiguresRead, ScoresRead, RatingsWrite, DemotionsPropose, SurveysWrite, PayslipsRead},
	BranchHead: {OrgUnitsRead, OrgUnitsWrite, AuditRead, ApprovalsRead, ApprovalsDecide, ManagersRead,
		LifecycleWrite, LifecycleApprove, GradesApprove, CustomersRead, CustomersWrite,
		PlansRead, PlansGenerate, PlansReview, TasksAssign, RequestsWrite, IndicatorsRead, FiguresRead,
		ScoresRead, RatingsWrite, RunsWrite, RunsApprove, DecisionsApprove, DemotionsApprove, SurveysWrite,
		PayrollApprove, PayslipsRead},
	HROfficer: {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide, ManagersRead, ManagersWrite,
		LifecycleWrite, LifecycleApprove, GradesChange, GradesApprove, LaddersWrite, CustomersRead, CustomersWrite,
		PlansRead, IndicatorsRead, IndicatorsWrite, FiguresRead,
		ScoresRead, RunsWrite, RunsApprove, DecisionsWrite, SurveysWrite,
		PayRead, PayWrite, PayInputsWrite, PayrollRun, PayrollApprove, PayslipsRead, PayrollExport},
	Committee: {OrgUnitsRead, AuditRead, ApprovalsRead, ApprovalsDecide, ManagersRead, GradesChange,
		GradesApprove, CustomersRead, PlansRead, IndicatorsRead, FiguresRead,
		ScoresRead, RunsWrite, RunsApprove, DecisionsWrite, DecisionsApprove, AppealsDecide, SurveysWrite,
		PayRead, PayslipsRead},
	Administrator: {OrgUnitsRead, OrgUnitsWrite, AuditRead, ApprovalsRead, ApprovalsDecide, ManagersRead,
		ManagersWrite, LifecycleWrite, LifecycleApprove, GradesChange, GradesApprove, LaddersWrite,
		CustomersRead, CustomersWrite, PortfolioSettings, PortfolioWatch,
		PlansRead, PlansGenerate, VisitRulesWrite, IndicatorsRead, IndicatorsWrite, FiguresRead,
		ScoresRead, SurveysWrite, PayRead},
	System: {OrgUnitsRead, ManagersRead, GradesChange, CustomersRead, CustomersWrite, PortfolioWatch,
		PlansRead, PlansWrite, PlansGenerate, RequestsWrite, IndicatorsRead, FiguresImport, FiguresRead,
		ScoresRead, SurveyResponsesPut, PayInputsWrite},
}

// Allowed reports whether any of p's roles grants perm.
func Allowed(p Principal, perm Permission) bool {
	for _, r := range p.Roles {
		if slices.Contains(RolePermissions[r], perm) {
			return true
		}
	}
	return false
}

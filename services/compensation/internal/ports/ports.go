// Package ports serves the compensation use cases over gRPC
// (rmsuite.compensation.v1): it checks requests at the edge, converts between
// wire and domain types in small named functions, and reports invalid input
// as InvalidArgument with one field violation per problem, each with its path
// in the request ("pay_config.components[2].formula": "1:17: unknown name …").
package ports

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	moneypb "google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	compv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/compensation/v1"
	"github.com/rmsuite/rmsuite/services/compensation/internal/adapters/peers"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// Rules declare what each RPC needs. Payslips are narrowed further by the
// use cases: a manager's own once locked, HR and the committee their subtree.
var Rules = auth.Rules{
	compv1.PayService_GetPayConfig_FullMethodName:         {Permission: auth.PayRead},
	compv1.PayService_ListPayConfigs_FullMethodName:       {Permission: auth.PayRead},
	compv1.PayService_ResolvePayConfig_FullMethodName:     {Permission: auth.PayRead},
	compv1.PayService_CreatePayConfig_FullMethodName:      {Permission: auth.PayWrite, Mutates: true},
	compv1.PayService_UpdatePayConfig_FullMethodName:      {Permission: auth.PayWrite, Mutates: true},
	compv1.PayService_ListFormulaInputs_FullMethodName:    {Permission: auth.PayRead},
	compv1.PayService_CreatePayInput_FullMethodName:       {Permission: auth.PayInputsWrite, Mutates: true},
	compv1.PayService_BatchCreatePayInputs_FullMethodName: {Permission: auth.PayInputsWrite, Mutates: true},
	compv1.PayService_GetPayInput_FullMethodName:          {Permission: auth.PayRead},
	compv1.PayService_ListPayInputs_FullMethodName:        {Permission: auth.PayRead},
	compv1.PayService_DeletePayInput_FullMethodName:       {Permission: auth.PayInputsWrite, Mutates: true},

	compv1.PayrollService_CreatePayrollRun_FullMethodName:            {Permission: auth.PayrollRun, Mutates: true},
	compv1.PayrollService_GetPayrollRun_FullMethodName:               {Permission: auth.PayrollRun},
	compv1.PayrollService_ListPayrollRuns_FullMethodName:             {Permission: auth.PayrollRun},
	compv1.PayrollService_ComputePayrollRun_FullMethodName:           {Permission: auth.PayrollRun, Mutates: true},
	compv1.PayrollService_CancelPayrollRunComputation_FullMethodName: {Permission: auth.PayrollRun, Mutates: true},
	compv1.PayrollService_DiscardPayrollRun_FullMethodName:           {Permission: auth.PayrollRun, Mutates: true},
	compv1.PayrollService_SubmitPayrollRun_FullMethodName:            {Permission: auth.PayrollRun, Mutates: true},
	compv1.PayrollService_ListPayslipDiffs_FullMethodName:            {Permission: auth.PayrollRun},
	compv1.PayrollService_SimulatePayrollRun_FullMethodName:          {Permission: auth.PayrollRun},
	compv1.PayrollService_GetPayslip_FullMethodName:                  {Permission: auth.PayslipsRead},
	compv1.PayrollService_ListPayslips_FullMethodName:                {Permission: auth.PayslipsRead},
	compv1.PayrollService_ExportPayslip_FullMethodName:               {Permission: auth.PayslipsRead},
	compv1.PayrollService_ExportBankTransfer_FullMethodName:          {Permission: auth.PayrollExport},
	compv1.PayrollService_ExportSalaryRegister_FullMethodName:        {Permission: auth.PayrollExport},
}

// ErrorTable maps the use cases' errors to gRPC codes. Validation errors are
// turned into field violations by the handlers; the InvalidArgument row is the
// fallback.
var ErrorTable = apierr.Table{
	{Err: app.ErrNotFound, Code: codes.NotFound},
	{Err: app.ErrExists, Code: codes.AlreadyExists},
	{Err: app.ErrConflict, Code: codes.Aborted},
	{Err: app.ErrPermission, Code: codes.PermissionDenied},
	{Err: app.ErrState, Code: codes.FailedPrecondition},
	{Err: pay.ErrInvalid, Code: codes.InvalidArgument},
	{Err: peers.ErrUnavailable, Code: codes.Unavailable},
}

const (
	managerPrefix  = "managers/"
	orgUnitPrefix  = "orgUnits/"
	ladderPrefix   = "gradeLadders/"
	runPrefix      = "payrollRuns/"
	inputPrefix    = "payInputs/"
	configPrefix   = "payConfigs/"
	payslipsMiddle = "/payslips/"
)

// fieldErrors collects the field violations of one request.
type fieldErrors struct{ list []apierr.FieldViolation }

func (f *fieldErrors) add(field, format string, args ...any) {
	f.list = append(f.list, apierr.FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (f *fieldErrors) err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &apierr.InvalidError{Violations: f.list}
}

// invalid returns err's domain violations as field violations under prefix,
// or err unchanged.
func invalid(prefix string, err error) error {
	vs := pay.Violations(err)
	if vs == nil {
		return err
	}
	var f fieldErrors
	for _, v := range vs {
		field := v.Field
		if prefix != "" {
			field = prefix + "." + field
		}
		f.add(field, "%s", v.Description)
	}
	return f.err()
}

// decimal reads a plain decimal string.
func decimal(f *fieldErrors, field, s string, required bool) money.Decimal {
	if s == "" {
		if required {
			f.add(field, "is required: a plain decimal string such as \"0.8\"")
		}
		return money.DecimalFromInt(0)
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		f.add(field, "%q is not a plain decimal number (no exponent, spaces or separators), e.g. \"0.8\"", s)
	}
	return d
}

// amount reads a google.type.Money in CNY.
func amount(f *fieldErrors, field string, m *moneypb.Money, required bool) money.Amount {
	if m == nil {
		if required {
			f.add(field, "is required: {\"currencyCode\": \"CNY\", \"units\": \"6000\"}")
		}
		return money.Amount{}
	}
	a, err := money.FromProto(m)
	if err != nil {
		f.add(field, "%v", err)
	}
	return a
}

// nameID reads `{prefix}{id}`.
func nameID(f *fieldErrors, field, prefix, example, name string) string {
	id, ok := strings.CutPrefix(name, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		f.add(field, "want %s, e.g. %s; got %q", prefix+"{id}", example, name)
		return ""
	}
	return id
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// approvals prepares the service's approvals (maker–checker); the calling RPC
// records the run's change as its audit record.
type approvals struct{ db *storage.DB }

// NewApprovals prepares approvals in db.
func NewApprovals(db *storage.DB) app.Approvals { return approvals{db: db} }

func (p approvals) Prepare(ctx context.Context, a approval.Action) (string, error) {
	ap, err := approval.Prepare(ctx, p.db, a)
	if err != nil {
		return "", err
	}
	return approval.Name(app.ServiceName, ap.ID), nil
}

// RunAudit writes run changes to the audit log; totals are masked.
type RunAudit struct{}

var runMasked = []string{"grossTotal", "deductionsTotal", "netTotal"}

// RunChanged records a run's change as the call's audited change.
func (RunAudit) RunChanged(ctx context.Context, before, after *app.RunRecord, reason string) error {
	c := audit.Change{ObjectType: "PayrollRun", Masked: runMasked, Reason: reason}
	if before != nil {
		c.Before, c.Object, c.OrgPath = toProtoRun(*before), runPrefix+before.ID, before.OrgPath
	}
	if after != nil {
		c.After, c.Object, c.OrgPath = toProtoRun(*after), runPrefix+after.ID, after.OrgPath
	}
	return audit.Record(ctx, c)
}

// jsonOf renders v for an HTTP body.
func jsonOf(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

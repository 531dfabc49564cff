// Package ports serves the assessment use cases over gRPC
// (rmsuite.assessment.v1): it checks requests at the edge, converts between
// wire and domain types in small named functions, and reports invalid input
// as InvalidArgument with one field violation per problem, each with its
// path in the request ("indicator.rule.linear.target", "rows[3].value").
package ports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	assessmentv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/assessment/v1"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/roster"
	"github.com/rmsuite/rmsuite/services/assessment/internal/adapters/visits"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

// Rules declare what each RPC needs.
var Rules = auth.Rules{
	assessmentv1.IndicatorService_GetIndicator_FullMethodName:    {Permission: auth.IndicatorsRead},
	assessmentv1.IndicatorService_ListIndicators_FullMethodName:  {Permission: auth.IndicatorsRead},
	assessmentv1.IndicatorService_CreateIndicator_FullMethodName: {Permission: auth.IndicatorsWrite, Mutates: true},
	assessmentv1.IndicatorService_UpdateIndicator_FullMethodName: {Permission: auth.IndicatorsWrite, Mutates: true},
	assessmentv1.IndicatorService_GetTemplate_FullMethodName:     {Permission: auth.IndicatorsRead},
	assessmentv1.IndicatorService_ListTemplates_FullMethodName:   {Permission: auth.IndicatorsRead},
	assessmentv1.IndicatorService_UpdateTemplate_FullMethodName:  {Permission: auth.IndicatorsWrite, Mutates: true},

	assessmentv1.FigureService_ImportFigures_FullMethodName:    {Permission: auth.FiguresImport, Mutates: true},
	assessmentv1.FigureService_GetFigureBatch_FullMethodName:   {Permission: auth.FiguresRead},
	assessmentv1.FigureService_ListFigureCodes_FullMethodName:  {Permission: auth.FiguresRead},
	assessmentv1.FigureService_GetFigure_FullMethodName:        {Permission: auth.FiguresRead},
	assessmentv1.FigureService_ListFigures_FullMethodName:      {Permission: auth.FiguresRead},
	assessmentv1.FigureService_GetFigureHistory_FullMethodName: {Permission: auth.FiguresRead},
	assessmentv1.FigureService_BatchGetFigures_FullMethodName:  {Permission: auth.FiguresRead},

	assessmentv1.RunService_StartRun_FullMethodName:       {Permission: auth.RunsWrite, Mutates: true},
	assessmentv1.RunService_GetRun_FullMethodName:         {Permission: auth.ScoresRead},
	assessmentv1.RunService_ListRuns_FullMethodName:       {Permission: auth.ScoresRead},
	assessmentv1.RunService_RecomputeRun_FullMethodName:   {Permission: auth.RunsWrite, Mutates: true},
	assessmentv1.RunService_SetRatings_FullMethodName:     {Permission: auth.RatingsWrite, Mutates: true},
	assessmentv1.RunService_CloseRun_FullMethodName:       {Permission: auth.RunsWrite, Mutates: true},
	assessmentv1.RunService_GetScoreCard_FullMethodName:   {Permission: auth.ScoresRead},
	assessmentv1.RunService_ListScoreCards_FullMethodName: {Permission: auth.ScoresRead},

	assessmentv1.CoefficientService_BatchGetCoefficients_FullMethodName: {Permission: auth.ScoresRead},

	assessmentv1.AssessmentService_StartAssessment_FullMethodName:       {Permission: auth.RunsWrite, Mutates: true},
	assessmentv1.AssessmentService_GetAssessment_FullMethodName:         {Permission: auth.ScoresRead},
	assessmentv1.AssessmentService_ListAssessments_FullMethodName:       {Permission: auth.ScoresRead},
	assessmentv1.AssessmentService_RecomputeAssessment_FullMethodName:   {Permission: auth.RunsWrite, Mutates: true},
	assessmentv1.AssessmentService_SetAssessmentInputs_FullMethodName:   {Permission: auth.DecisionsWrite, Mutates: true},
	assessmentv1.AssessmentService_GetAssessmentResult_FullMethodName:   {Permission: auth.ScoresRead},
	assessmentv1.AssessmentService_ListAssessmentResults_FullMethodName: {Permission: auth.ScoresRead},

	assessmentv1.DecisionService_CreateDecisionRound_FullMethodName:    {Permission: auth.DecisionsWrite, Mutates: true},
	assessmentv1.DecisionService_GetDecisionRound_FullMethodName:       {Permission: auth.ScoresRead},
	assessmentv1.DecisionService_ListDecisionRounds_FullMethodName:     {Permission: auth.ScoresRead},
	assessmentv1.DecisionService_RecomputeDecisionRound_FullMethodName: {Permission: auth.DecisionsWrite, Mutates: true},
	assessmentv1.DecisionService_SubmitDecisionRound_FullMethodName:    {Permission: auth.DecisionsWrite, Mutates: true},
	assessmentv1.DecisionService_GetDecision_FullMethodName:            {Permission: auth.ScoresRead},
	assessmentv1.DecisionService_ListDecisions_FullMethodName:          {Permission: auth.ScoresRead},
	assessmentv1.DecisionService_ProposeEarlyDemotion_FullMethodName:   {Permission: auth.DemotionsPropose, Mutates: true},
	assessmentv1.DecisionService_GetEarlyDemotion_FullMethodName:       {Permission: auth.ScoresRead},
	assessmentv1.DecisionService_ListEarlyDemotions_FullMethodName:     {Permission: auth.ScoresRead},

	assessmentv1.AppealService_FileAppeal_FullMethodName:     {Permission: auth.AppealsFile, Mutates: true},
	assessmentv1.AppealService_GetAppeal_FullMethodName:      {Permission: auth.ScoresRead},
	assessmentv1.AppealService_ListAppeals_FullMethodName:    {Permission: auth.ScoresRead},
	assessmentv1.AppealService_DecideAppeal_FullMethodName:   {Permission: auth.AppealsDecide, Mutates: true},
	assessmentv1.AppealService_WithdrawAppeal_FullMethodName: {Permission: auth.AppealsFile, Mutates: true},

	assessmentv1.SurveyService_CreateQuestionnaire_FullMethodName: {Permission: auth.SurveysWrite, Mutates: true},
	assessmentv1.SurveyService_GetQuestionnaire_FullMethodName:    {Permission: auth.IndicatorsRead},
	assessmentv1.SurveyService_CreateSurvey_FullMethodName:        {Permission: auth.SurveysWrite, Mutates: true},
	assessmentv1.SurveyService_GetSurvey_FullMethodName:           {Permission: auth.IndicatorsRead},
	assessmentv1.SurveyService_CloseSurvey_FullMethodName:         {Permission: auth.SurveysWrite, Mutates: true},
	assessmentv1.SurveyService_PutSurveyResponse_FullMethodName:   {Permission: auth.SurveyResponsesPut, Mutates: true},
	assessmentv1.SurveyService_TallySurvey_FullMethodName:         {Permission: auth.ScoresRead},
}

// ErrorTable maps the use cases' errors to gRPC codes. Domain validation
// errors are turned into field violations by the handlers before they get
// here; the InvalidArgument row is the fallback.
var ErrorTable = apierr.Table{
	{Err: app.ErrNotFound, Code: codes.NotFound},
	{Err: app.ErrExists, Code: codes.AlreadyExists},
	{Err: app.ErrConflict, Code: codes.Aborted},
	{Err: app.ErrPermission, Code: codes.PermissionDenied},
	{Err: app.ErrState, Code: codes.FailedPrecondition},
	{Err: violation.ErrInvalid, Code: codes.InvalidArgument},
	{Err: roster.ErrUnavailable, Code: codes.Unavailable},
	{Err: visits.ErrUnavailable, Code: codes.Unavailable},
}

// fieldErrors collects the field violations of one request: those found at
// the edge (syntax, names, enums) and those the domain reports, whose paths
// are relative to a part of the request. A domain violation of a field
// already reported at the edge is left out: the edge's message is the one
// that applies (a value that did not parse is also "not above zero").
type fieldErrors struct {
	list []apierr.FieldViolation
	seen map[string]bool
}

func (f *fieldErrors) add(field, format string, args ...any) {
	f.put(apierr.FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (f *fieldErrors) put(v apierr.FieldViolation) {
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[v.Field] = true
	f.list = append(f.list, v)
}

// domain adds the violations of err, a domain validation error whose fields
// are relative to prefix; rename maps the first segment of a domain field to
// the request's whole path for it ("name" → "indicator.display_name",
// "code" → "indicator_id"). It reports whether err was a validation error.
func (f *fieldErrors) domain(prefix string, rename map[string]string, err error) bool {
	vs := violation.Of(err)
	if vs == nil {
		return false
	}
	for _, v := range vs {
		field := v.Field
		head, rest := field, ""
		if i := strings.IndexAny(field, ".["); i >= 0 {
			head, rest = field[:i], field[i:]
		}
		if to, ok := rename[head]; ok {
			field = to + rest
		} else {
			field = violation.Join(prefix, field)
		}
		if f.seen[field] {
			continue
		}
		f.put(apierr.FieldViolation{Field: field, Description: v.Description})
	}
	return true
}

// mutation runs fn once per request id — a retry with the same id answers
// what the first call answered — after checking the request id and the
// request's fields; when either is bad nothing runs.
func mutation[T proto.Message](ctx context.Context, db *storage.DB, requestID string, req proto.Message, f *fieldErrors,
	fn func(ctx context.Context) (T, error)) (T, error) {
	var none T
	if err := idempotency.Check(requestID); err != nil {
		return none, err
	}
	if err := f.err(); err != nil {
		return none, err
	}
	return idempotency.Do(ctx, db, requestID, req, fn)
}

func (f *fieldErrors) err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &apierr.InvalidError{Violations: f.list}
}

// invalid returns err as field violations relative to prefix if it is a
// domain validation error, else err unchanged.
func invalid(prefix string, rename map[string]string, err error) error {
	var f fieldErrors
	if f.domain(prefix, rename, err) {
		return f.err()
	}
	return err
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func itoa(i int) string { return strconv.Itoa(i) }

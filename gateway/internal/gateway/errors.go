package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorBody is the JSON every failed REST call answers with:
//
//	{"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "…",
//	           "fieldViolations": [{"field": "org_unit.display_name", "description": "…"}],
//	           "requestId": "…"}}
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the body's content.
type ErrorDetail struct {
	Code            int              `json:"code"`
	Status          string           `json:"status"`
	Message         string           `json:"message"`
	FieldViolations []FieldViolation `json:"fieldViolations,omitempty"`
	RequestID       string           `json:"requestId,omitempty"`
}

// FieldViolation names a request field and what is wrong with it.
type FieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

// HTTPStatus maps a gRPC code to the HTTP status the gateway answers with. It
// follows google.rpc.Code's documented mapping, except that FAILED_PRECONDITION
// (e.g. deleting a unit that still has children) answers 409 Conflict: the request
// was well formed but conflicts with the resource's current state.
func HTTPStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted, codes.FailedPrecondition:
		return http.StatusConflict
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Canceled:
		return 499 // client closed request
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// errorHandler writes a gRPC error (from a backend, or from the gateway's own request
// decoding) as ErrorBody.
func errorHandler(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st := status.Convert(err)
	msg := st.Message()
	if st.Code() == codes.InvalidArgument && len(st.Details()) == 0 && isDecodeError(msg) {
		msg = "the request body or a parameter is not valid JSON for this call: " + msg
	}
	body := ErrorDetail{Code: HTTPStatus(st.Code()), Status: codeNames[st.Code()], Message: msg}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				body.FieldViolations = append(body.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	writeError(w, r, body)
}

// codeNames spells codes the way google.rpc.Code does (INVALID_ARGUMENT).
var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN", codes.InvalidArgument: "INVALID_ARGUMENT",
	codes.DeadlineExceeded: "DEADLINE_EXCEEDED", codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED", codes.OutOfRange: "OUT_OF_RANGE",
	codes.Unimplemented: "UNIMPLEMENTED", codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE",
	codes.DataLoss: "DATA_LOSS", codes.Unauthenticated: "UNAUTHENTICATED",
}

func writeError(w http.ResponseWriter, r *http.Request, body ErrorDetail) {
	body.RequestID = w.Header().Get("X-Request-Id")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(body.Code)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: body})
}

// writeStatus answers with an error the gateway itself decided on.
func writeStatus(w http.ResponseWriter, r *http.Request, c codes.Code, msg string) {
	writeError(w, r, ErrorDetail{Code: HTTPStatus(c), Status: codeNames[c], Message: msg})
}

func isDecodeError(msg string) bool {
	for _, p := range []string{"proto:", "json:", "unexpected EOF", "invalid character", "parsing field", "syntax error", "type mismatch"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

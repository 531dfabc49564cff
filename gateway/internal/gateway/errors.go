package gateway

import (
	"context"
	"encoding/json"
	"errors"
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
//
// grpc-gateway passes a *runtime.HTTPStatusError when it has chosen the HTTP status
// itself (e.g. 400 for a malformed path escape); that status is kept, as
// runtime.DefaultHTTPErrorHandler does, instead of 500 for the wrapped error's
// UNKNOWN code.
func errorHandler(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	var custom *runtime.HTTPStatusError
	if errors.As(err, &custom) {
		err = custom.Err
		if _, ok := status.FromError(err); !ok {
			err = status.Error(codeForHTTP(custom.HTTPStatus), err.Error())
		}
	}
	st := status.Convert(err)
	msg := st.Message()
	if st.Code() == codes.InvalidArgument && len(st.Details()) == 0 && isDecodeError(msg) {
		msg = "the request body or a parameter is not valid JSON for this call: " + msg
	}
	body := ErrorDetail{Code: HTTPStatus(st.Code()), Status: codeNames[st.Code()], Message: msg}
	if custom != nil {
		body.Code = custom.HTTPStatus
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				body.FieldViolations = append(body.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	writeError(w, r, body)
}

// routingErrorHandler answers requests grpc-gateway could not route. A path that
// exists but not for the request's method (DELETE /v1/orgUnits) answers 405 Method
// Not Allowed: grpc-gateway's default turns it into UNIMPLEMENTED, which HTTPStatus
// maps to 501 Not Implemented, the status for a method the server supports on no
// resource at all. Other routing errors keep grpc-gateway's default.
func routingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if httpStatus == http.StatusMethodNotAllowed {
		errorHandler(ctx, mux, m, w, r, &runtime.HTTPStatusError{
			HTTPStatus: http.StatusMethodNotAllowed,
			Err:        status.Errorf(codes.Unimplemented, "method %s is not allowed on %s (see /openapi.json)", r.Method, r.URL.Path),
		})
		return
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
}

// codeForHTTP names the HTTP statuses grpc-gateway picks itself (routing errors)
// with the gRPC code its DefaultRoutingErrorHandler would use.
func codeForHTTP(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusMethodNotAllowed:
		return codes.Unimplemented
	}
	return codes.Unknown
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
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // messages are shown as text: keep "<token>" readable
	_ = enc.Encode(ErrorBody{Error: body})
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

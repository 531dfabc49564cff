package discovery

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/health" // client-side health checking (healthCheckConfig)
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Retries: gRPC retries a call on UNAVAILABLE (the instance died or is shutting down,
// the database went away) — on another instance when round robin has one — only
// for methods that are safe to repeat:
//   - reads: an HTTP GET mapping, an idempotency_level of NO_SIDE_EFFECTS or
//     IDEMPOTENT, or a server stream (the change feeds, read from a cursor);
//   - writes whose request has a request_id, and only when the caller set it: the
//     service applies a request id once and answers a repeat with the first answer,
//     so a retry after a crash between commit and reply changes nothing. A write
//     sent without a request id is committed at its first attempt (see
//     requestIDGuard) and never repeated.
//
// Four attempts, 0.1 s → 1 s apart; every call keeps its one deadline across its
// attempts and across hops (the deadline travels with the call, and each service
// passes its incoming context on).
const retryPolicy = `{"maxAttempts":4,"initialBackoff":"0.1s","maxBackoff":"1s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}`

// RetryableMethods lists, as /package.Service/Method, the methods of the rmsuite
// services linked into this program that are retried, and those among them that are
// writes (retried only with a request id).
func RetryableMethods() (all []string, writes map[string]bool) {
	m := methods()
	return m.all, m.writes
}

type methodSets struct {
	all    []string
	writes map[string]bool
	config string
}

var methods = sync.OnceValue(func() methodSets {
	ms := methodSets{writes: map[string]bool{}}
	type name struct {
		Service string `json:"service"`
		Method  string `json:"method"`
	}
	var names []name
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "rmsuite.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				read, write := classify(md)
				if !read && !write {
					continue
				}
				full := "/" + string(sd.FullName()) + "/" + string(md.Name())
				ms.all = append(ms.all, full)
				if write {
					ms.writes[full] = true
				}
				names = append(names, name{string(sd.FullName()), string(md.Name())})
			}
		}
		return true
	})
	sort.Strings(ms.all)
	sort.Slice(names, func(i, j int) bool {
		return names[i].Service+"/"+names[i].Method < names[j].Service+"/"+names[j].Method
	})
	cfg := map[string]any{
		"loadBalancingConfig": []any{map[string]any{"round_robin": map[string]any{}}},
		// Instances are watched over the health protocol: one that says NOT_SERVING
		// (it is shutting down) gets no new calls, before it even leaves etcd.
		"healthCheckConfig": map[string]any{"serviceName": ""},
		// A burst of failures stops retries until calls succeed again: no retry storm
		// against a struggling service.
		"retryThrottling": map[string]any{"maxTokens": 100, "tokenRatio": 0.1},
	}
	if len(names) > 0 {
		cfg["methodConfig"] = []any{map[string]any{"name": names, "retryPolicy": json.RawMessage(retryPolicy)}}
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // static shapes: cannot fail
	}
	ms.config = string(raw)
	return ms
})

// classify tells whether a method is a read or a write with a request id.
func classify(md protoreflect.MethodDescriptor) (read, write bool) {
	if md.IsStreamingClient() {
		return false, false
	}
	if md.IsStreamingServer() {
		return true, false
	}
	opts, _ := md.Options().(*descriptorpb.MethodOptions)
	if rule, ok := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule); ok && rule.GetGet() != "" {
		return true, false
	}
	switch opts.GetIdempotencyLevel() {
	case descriptorpb.MethodOptions_NO_SIDE_EFFECTS, descriptorpb.MethodOptions_IDEMPOTENT:
		return true, false
	}
	if f := md.Input().Fields().ByName("request_id"); f != nil && f.Kind() == protoreflect.StringKind {
		return false, true
	}
	return false, false
}

// ServiceConfig is the gRPC service config of every connection to an rmsuite
// service: round robin, client-side health checking, retries of the methods above.
func ServiceConfig() string { return methods().config }

// ClientOptions are the options every connection to an rmsuite service takes, through
// etcd (Dial adds them) or to a static address.
func ClientOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultServiceConfig(ServiceConfig()),
		grpc.WithChainUnaryInterceptor(requestIDGuard),
	}
}

// requestIDGuard sends a write without a request id once: such a call would be
// applied again if repeated. Allowing no bytes to be kept for a retry commits the call
// as soon as it is sent (gRPC then neither retries it nor replays it transparently).
func requestIDGuard(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if methods().writes[method] {
		if m, ok := req.(proto.Message); ok {
			f := m.ProtoReflect().Descriptor().Fields().ByName("request_id")
			if f == nil || m.ProtoReflect().Get(f).String() == "" {
				opts = append(opts, grpc.MaxRetryRPCBufferSize(0))
			}
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/rmsuite/rmsuite/pkg/logging"
)

// Rule is what one RPC requires.
type Rule struct {
	Permission Permission // what the caller's roles must grant, unless Public
	Public     bool       // reachable without a token (health, reflection)
	Mutates    bool       // changes state: runs in one transaction with one audit record
}

// Rules maps full method names ("/rmsuite.roster.v1.RosterService/GetOrgUnit") to
// their rule. Every RPC a server registers must have one.
type Rules map[string]Rule

// KitRules cover what every server registers besides its own API.
var KitRules = Rules{
	"/grpc.health.v1.Health/Check":                                   {Public: true},
	"/grpc.health.v1.Health/Watch":                                   {Public: true},
	"/grpc.health.v1.Health/List":                                    {Public: true},
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {Public: true},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {Public: true},
}

// Lookup finds the rule of a method, in r or in KitRules.
func (r Rules) Lookup(method string) (Rule, bool) {
	if rule, ok := r[method]; ok {
		return rule, true
	}
	rule, ok := KitRules[method]
	return rule, ok
}

// Cover checks that every method of the registered services (as
// grpc.Server.GetServiceInfo reports them) has a rule, and that no rule names a
// permission without granting it to some role. It lists every gap at once.
func (r Rules) Cover(services map[string]grpc.ServiceInfo) error {
	var missing []string
	for name, info := range services {
		for _, m := range info.Methods {
			if _, ok := r.Lookup("/" + name + "/" + m.Name); !ok {
				missing = append(missing, "/"+name+"/"+m.Name)
			}
		}
	}
	for method, rule := range r {
		if !rule.Public && !granted(rule.Permission) {
			missing = append(missing, method+" (permission "+string(rule.Permission)+" is granted to no role)")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("RPCs without a declared permission (they would be refused): %s", strings.Join(missing, ", "))
	}
	return nil
}

func granted(p Permission) bool {
	if p == "" {
		return false
	}
	for _, perms := range RolePermissions {
		for _, q := range perms {
			if q == p {
				return true
			}
		}
	}
	return false
}

// Guard authenticates and authorises every call.
type Guard struct {
	verifier *Verifier
	rules    Rules
}

// NewGuard checks calls against rules with tokens verified by v.
func NewGuard(v *Verifier, rules Rules) *Guard { return &Guard{verifier: v, rules: rules} }

// Unary is the guard as a unary interceptor.
func (g *Guard) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		ctx, err := g.admit(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return h(ctx, req)
	}
}

// Stream is the guard as a stream interceptor.
func (g *Guard) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		ctx, err := g.admit(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return h(srv, &principalStream{ServerStream: ss, ctx: ctx})
	}
}

type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }

// admit returns ctx carrying the caller, or the status error refusing the call.
func (g *Guard) admit(ctx context.Context, method string) (context.Context, error) {
	rule, ok := g.rules.Lookup(method)
	if !ok {
		logging.FromContext(ctx).Error("call to an RPC without a declared permission refused")
		return ctx, status.Errorf(codes.PermissionDenied, "%s declares no permission, so nobody may call it", method)
	}
	if rule.Public {
		return ctx, nil
	}
	var header string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			header = v[0]
		}
	}
	token, ok := BearerToken(header)
	if !ok {
		return ctx, status.Error(codes.Unauthenticated, "missing bearer token: send the header Authorization: Bearer <token>")
	}
	p, err := g.verifier.Verify(ctx, token)
	if err != nil {
		msg := err.Error()
		if !errors.Is(err, ErrUnauthenticated) {
			msg = "token could not be verified"
		}
		return ctx, status.Error(codes.Unauthenticated, msg)
	}
	ctx = WithPrincipal(ctx, p)
	ctx = logging.WithLogger(ctx, logging.FromContext(ctx).With(zap.String("caller", p.Subject)))
	if !Allowed(p, rule.Permission) {
		return ctx, status.Errorf(codes.PermissionDenied, "%s (roles %s) may not %s, which %s needs",
			p.Subject, roleList(p.Roles), rule.Permission, method)
	}
	return ctx, nil
}

func roleList(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

package gateway

import (
	"encoding/json"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/rmsuite/rmsuite/gateway/internal/devusers"
	"github.com/rmsuite/rmsuite/pkg/auth"
)

// devTokenTTL is how long a token minted by the dev sign-in lasts (a working day,
// as `rmsuite token`).
const devTokenTTL = 8 * time.Hour

// devSignIn is the console's sign-in picker for `make run`: it lists the seeded
// people and mints a token for one of them with the local signing key. It exists
// only when the gateway is given --dev-signing-key (rmsuite dev does; production
// configuration never should): anyone who reaches it can act as any seeded user.
//
//	GET  /dev/users  {"users": [{"user": "E3002", "name": "冯霞", "roles": ["customer_manager"], "orgUnit": "team-lujiazui"}, …]}
//	POST /dev/token  {"user": "E3002"} → {"token": "…", "expireTime": "…"}
type devSignIn struct {
	minter           *auth.Minter
	issuer, audience string
	now              func() time.Time
}

type devUserJSON struct {
	User    string   `json:"user"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	OrgUnit string   `json:"orgUnit"`
}

func (d devSignIn) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /dev/users", d.users)
	mux.HandleFunc("POST /dev/token", d.token)
}

func (d devSignIn) users(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Users []devUserJSON `json:"users"`
	}{Users: []devUserJSON{}}
	for _, u := range devusers.Users {
		if !u.Person() {
			continue
		}
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		out.Users = append(out.Users, devUserJSON{User: u.EmployeeNo, Name: u.Name, Roles: roles, OrgUnit: u.OrgUnit})
	}
	writeJSON(w, out)
}

func (d devSignIn) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User string `json:"user"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, r, ErrorDetail{Code: http.StatusBadRequest, Status: codeNames[codes.InvalidArgument],
			Message: `the body must be JSON such as {"user": "E3002"}: ` + err.Error()})
		return
	}
	u, ok := devusers.Find(in.User)
	if !ok || !u.Person() {
		writeError(w, r, ErrorDetail{Code: http.StatusBadRequest, Status: codeNames[codes.InvalidArgument],
			Message:         "no seeded person " + in.User + "; GET /dev/users lists them",
			FieldViolations: []FieldViolation{{Field: "user", Description: "not a seeded person"}}})
		return
	}
	exp := d.now().Add(devTokenTTL)
	tok, err := d.minter.Mint(auth.Token{Subject: u.EmployeeNo, Name: u.Name, Roles: u.Roles, OrgUnit: u.OrgUnit,
		Issuer: d.issuer, Audience: d.audience, Expiry: exp})
	if err != nil {
		writeStatus(w, r, codes.Internal, "could not sign a token: "+err.Error())
		return
	}
	writeJSON(w, struct {
		Token      string    `json:"token"`
		ExpireTime time.Time `json:"expireTime"`
	}{tok, exp.UTC()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

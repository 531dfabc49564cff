package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rmsuite/rmsuite/gateway/internal/devusers"
	"github.com/rmsuite/rmsuite/pkg/auth"
)

// The local signing key of `make run`, under the data folder.
func keyPaths(data string) (private, jwks string) {
	return filepath.Join(data, "auth", "signing-key.json"), filepath.Join(data, "auth", "jwks.json")
}

// ensureDevKey creates the local signing key on first start and returns the JWKS
// path the services and the gateway trust.
func ensureDevKey(data string) (string, error) {
	private, jwks := keyPaths(data)
	if m, err := auth.LoadMinter(private); err == nil {
		return jwks, m.WriteJWKS(jwks) // the public set always matches the key
	}
	m, err := auth.NewMinter()
	if err != nil {
		return "", err
	}
	if err := m.Save(private, jwks); err != nil {
		return "", err
	}
	say("rmsuite", "created a local token-signing key in "+filepath.Dir(private))
	return jwks, nil
}

// token prints a token for a seeded user of `make run`.
func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	user := fs.String("user", "", "employee number of a seeded user (see --list)")
	list := fs.Bool("list", false, "list the seeded users and their roles")
	data := fs.String("data", ".data", "data folder of `make run` (holds the signing key)")
	ttl := fs.Duration("ttl", 8*time.Hour, "how long the token is valid")
	issuer := fs.String("issuer", "rmsuite-dev", "iss claim (the services' --jwt-issuer)")
	audience := fs.String("audience", "rmsuite", "aud claim (the services' --jwt-audience)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list || *user == "" {
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tNAME\tROLES\tORG UNIT")
		for _, u := range devusers.Users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.EmployeeNo, u.Name, roleNames(u.Roles), u.OrgUnit)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if *user == "" && !*list {
			return fmt.Errorf("give --user <employee no>")
		}
		return nil
	}
	private, _ := keyPaths(*data)
	m, err := auth.LoadMinter(private)
	if err != nil {
		return fmt.Errorf("no local signing key (%v): start the suite once with `make run`", err)
	}
	u, ok := devusers.Find(*user)
	if !ok {
		return fmt.Errorf("no seeded user %q; see rmsuite token --list", *user)
	}
	tok, err := m.Mint(auth.Token{Subject: u.EmployeeNo, Name: u.Name, Roles: u.Roles, OrgUnit: u.OrgUnit,
		Issuer: *issuer, Audience: *audience, TTL: *ttl})
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func roleNames(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// ensureServiceToken mints (every start) the token a service uses for the calls it
// makes on its own behalf, e.g. visits following the roster's change feed, and
// returns the file holding it.
func ensureServiceToken(data, service string) (string, error) {
	private, _ := keyPaths(data)
	m, err := auth.LoadMinter(private)
	if err != nil {
		return "", err
	}
	tok, err := m.Mint(auth.Token{Subject: "svc:" + service, Name: service + " service", Roles: []auth.Role{auth.System},
		Issuer: "rmsuite-dev", Audience: "rmsuite", TTL: 30 * 24 * time.Hour})
	if err != nil {
		return "", err
	}
	path := filepath.Join(data, "auth", service+".token")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte(tok+"\n"), 0o600)
}

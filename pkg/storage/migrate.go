package storage

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations is one ordered set of schema changes, embedded in the binary. Files are
// named NNNN_description.sql and run in order of NNNN; a file
// NNNN_description.sqlite.sql or NNNN_description.postgres.sql replaces the common
// file on that backend. Each migration runs in its own transaction and is recorded
// in schema_migrations under the set's Name, so a set is applied once however many
// instances start together.
type Migrations struct {
	Name string
	FS   fs.FS
}

type migration struct {
	version  int
	name     string
	sql      string
	specific bool // from a .sqlite.sql or .postgres.sql file
}

// Migrate applies the sets in order: every migration not yet recorded.
func (db *DB) Migrate(ctx context.Context, sets ...Migrations) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if db.dialect == Postgres {
		// One instance migrates at a time; the others wait, then find nothing to do.
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockID("rmsuite-migrate")); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockID("rmsuite-migrate"))
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		set_name   TEXT      NOT NULL,
		version    INTEGER   NOT NULL,
		name       TEXT      NOT NULL,
		applied_at TIMESTAMP NOT NULL,
		PRIMARY KEY (set_name, version))`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	for _, set := range append([]Migrations{kitMigrations}, sets...) {
		list, err := load(set, db.dialect)
		if err != nil {
			return err
		}
		for _, m := range list {
			if err := apply(ctx, conn, set.Name, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func apply(ctx context.Context, conn *sql.Conn, set string, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s/%s: %w", set, m.name, err)
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE set_name = $1 AND version = $2`,
		set, m.version).Scan(&done); err != nil {
		return fmt.Errorf("migrate %s/%s: %w", set, m.name, err)
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migrate %s/%s: %w", set, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (set_name, version, name, applied_at) VALUES ($1, $2, $3, $4)`,
		set, m.version, m.name, Now()); err != nil {
		return fmt.Errorf("migrate %s/%s: record: %w", set, m.name, err)
	}
	return tx.Commit()
}

func load(set Migrations, d Dialect) ([]migration, error) {
	entries, err := fs.ReadDir(set.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", set.Name, err)
	}
	byVersion := map[int]migration{}
	for _, e := range entries {
		file := e.Name()
		if e.IsDir() || path.Ext(file) != ".sql" {
			continue
		}
		stem := strings.TrimSuffix(file, ".sql")
		dialect := ""
		if ext := path.Ext(stem); ext == ".sqlite" || ext == ".postgres" {
			dialect = strings.TrimPrefix(ext, ".")
			stem = strings.TrimSuffix(stem, ext)
		}
		if dialect != "" && dialect != string(d) {
			continue
		}
		num, _, ok := strings.Cut(stem, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migrations %s: file %s must be named NNNN_description.sql", set.Name, file)
		}
		if prev, dup := byVersion[version]; dup {
			switch {
			case prev.specific && dialect == "":
				continue // the backend's own file for this version wins
			case prev.specific == (dialect != ""):
				return nil, fmt.Errorf("migrations %s: two files for version %d (%s, %s)", set.Name, version, prev.name, file)
			}
		}
		body, err := fs.ReadFile(set.FS, file)
		if err != nil {
			return nil, err
		}
		byVersion[version] = migration{version: version, name: stem, sql: string(body), specific: dialect != ""}
	}
	list := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	return list, nil
}

func lockID(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
)

// Managers stores managers, their history, grade ladders and entry waivers.
type Managers struct {
	db *storage.DB
}

// NewManagers returns the manager repository on db.
func NewManagers(db *storage.DB) *Managers { return &Managers{db: db} }

const managerColumns = `m.id, m.display_name, m.gender, m.birth_date, m.education, m.hire_date, m.finance_start_date,
	m.org_unit_id, ou.path, m.post, m.line, m.category, m.employment_type, COALESCE(m.supervisor_id, ''),
	COALESCE(m.ladder_id, ''), m.level_code, m.band, m.grade_date, m.status, m.status_date, m.exit_reason,
	m.probation_start, m.probation_end, m.id_number, m.phone, m.qualifications, m.entry_record,
	m.revision, m.create_time, m.update_time`

const managerFrom = ` FROM managers m JOIN org_units ou ON ou.id = m.org_unit_id`

func scanManager(row storage.Row) (manager.Manager, error) {
	var m manager.Manager
	var quals, entry string
	err := row.Scan(&m.ID, &m.DisplayName, &m.Gender, &m.BirthDate, &m.Education, &m.HireDate, &m.FinanceStart,
		&m.OrgUnitID, &m.OrgPath, &m.Post, &m.Line, &m.Category, &m.EmploymentType, &m.SupervisorID,
		&m.Grade.Ladder, &m.Grade.Level, &m.Grade.Band, &m.Grade.Effective, &m.Status, &m.StatusDate, &m.ExitReason,
		&m.ProbationStart, &m.ProbationEnd, &m.IDNumber, &m.Phone, &quals, &entry,
		&m.Revision, &m.CreateTime, &m.UpdateTime)
	if err != nil {
		return m, err
	}
	m.CreateTime, m.UpdateTime = m.CreateTime.UTC(), m.UpdateTime.UTC()
	if err := json.Unmarshal([]byte(quals), &m.Qualifications); err != nil {
		return m, fmt.Errorf("managers/%s: stored qualifications: %w", m.ID, err)
	}
	if err := json.Unmarshal([]byte(entry), &m.Entry); err != nil {
		return m, fmt.Errorf("managers/%s: stored entry record: %w", m.ID, err)
	}
	return m, nil
}

// Get reads one manager.
func (r *Managers) Get(ctx context.Context, id string) (manager.Manager, error) {
	m, err := scanManager(r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+managerColumns+managerFrom+` WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%w: managers/%s", manager.ErrNotFound, id)
	}
	return m, err
}

// inSubtree matches a manager whose org unit lies in the subtree of the unit bound
// at ph (an id): the filter's org_unit.
func inSubtree(op, ph string) string {
	cond := `EXISTS (SELECT 1 FROM org_units s WHERE s.id = ` + ph + ` AND substr(ou.path, 1, length(s.path)) = s.path)`
	if op == "<>" {
		return "NOT " + cond
	}
	return cond
}

func resourceID(prefix, example string) func(string) (any, error) {
	return func(s string) (any, error) {
		id, ok := strings.CutPrefix(s, prefix)
		if !ok || id == "" {
			return nil, fmt.Errorf("want a name like %q", example)
		}
		return id, nil
	}
}

var managerListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"org_unit":   {Column: "m.org_unit_id", Type: aip.String, Convert: resourceID("orgUnits/", "orgUnits/branch-east"), Match: inSubtree},
		"supervisor": {Column: "COALESCE(m.supervisor_id, '')", Type: aip.String, Convert: resourceID("managers/", "managers/E1101")},
		"line": {Column: "m.line", Type: aip.Enum, Enum: map[string]any{
			"LINE_CORPORATE": 1, "LINE_RETAIL": 2, "LINE_MICRO": 3, "CORPORATE": 1, "RETAIL": 2, "MICRO": 3}},
		"category": {Column: "m.category", Type: aip.Enum, Enum: map[string]any{
			"CATEGORY_MARKET": 1, "CATEGORY_CREDIT": 2, "CATEGORY_MARKETING_DESIGN": 3, "CATEGORY_SPECIALIST": 4}},
		"status": {Column: "m.status", Type: aip.Enum, Enum: map[string]any{
			"STATUS_CANDIDATE": 1, "STATUS_PROBATION": 2, "STATUS_EXTENDED_PROBATION": 3,
			"STATUS_CONFIRMED": 4, "STATUS_OBSERVATION": 5, "STATUS_EXITED": 6}},
		"grade.ladder":         {Column: "COALESCE(m.ladder_id, '')", Type: aip.String, Convert: resourceID("gradeLadders/", "gradeLadders/bank")},
		"grade.level":          {Column: "m.level_code", Type: aip.String},
		"grade.band":           {Column: "m.band", Type: aip.String},
		"display_name":         {Column: "m.display_name", Type: aip.String, Orderable: true},
		"hire_date":            {Column: "m.hire_date", Type: aip.Date, Orderable: true},
		"qualification_expiry": {Column: "m.qualification_expiry", Type: aip.Date},
		"create_time":          {Column: "m.create_time", Type: aip.Timestamp, Orderable: true},
		"update_time":          {Column: "m.update_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "display_name",
	Tiebreak:        "m.id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// managerVisible is the SQL condition for Scope.Sees.
func managerVisible(s manager.Scope) (string, []any) {
	switch {
	case s.All:
		return "1 = 1", nil
	case s.Path != "":
		return "(substr(ou.path, 1, length($1)) = $1 OR m.id = $2)", []any{s.Path, s.Self}
	default:
		return "m.id = $1", []any{s.Self}
	}
}

// List reads one page of the managers scope sees, and how many match in all.
func (r *Managers) List(ctx context.Context, req aip.Request, scope manager.Scope) ([]manager.Manager, string, int, error) {
	cond, args := managerVisible(scope)
	q, err := managerListSchema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", 0, err
	}
	rows, err := r.db.Q(ctx).QueryContext(ctx,
		fmt.Sprintf(`SELECT %s%s%s ORDER BY %s LIMIT %d`, managerColumns, managerFrom, q.WhereClause(cond), q.OrderBy, q.Limit),
		append(args, q.Args...)...)
	if err != nil {
		return nil, "", 0, err
	}
	list, err := storage.Collect(rows, scanManager)
	if err != nil {
		return nil, "", 0, err
	}
	next := ""
	if len(list) > q.PageSize {
		list = list[:q.PageSize]
		last := list[len(list)-1]
		if next, err = q.NextPageToken(map[string]any{
			"m.display_name": last.DisplayName, "m.hire_date": last.HireDate.String(),
			"m.create_time": last.CreateTime, "m.update_time": last.UpdateTime, "m.id": last.ID,
		}); err != nil {
			return nil, "", 0, err
		}
	}
	req.PageToken = ""
	cq, err := managerListSchema.Compile(req, len(args)+1)
	if err != nil {
		return nil, "", 0, err
	}
	var total int
	err = r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*)`+managerFrom+cq.WhereClause(cond), append(args, cq.Args...)...).Scan(&total)
	return list, next, total, err
}

func managerArgs(m manager.Manager) ([]any, error) {
	quals, err := json.Marshal(nonNil(m.Qualifications))
	if err != nil {
		return nil, err
	}
	entry, err := json.Marshal(m.Entry)
	if err != nil {
		return nil, err
	}
	return []any{m.ID, m.DisplayName, m.Gender, m.BirthDate, m.Education, m.HireDate, m.FinanceStart,
		m.OrgUnitID, m.Post, int(m.Line), m.Category, m.EmploymentType, nullable(m.SupervisorID),
		nullable(m.Grade.Ladder), m.Grade.Level, m.Grade.Band, m.Grade.Effective, int(m.Status), m.StatusDate,
		int(m.ExitReason), m.ProbationStart, m.ProbationEnd, m.IDNumber, m.Phone, string(quals), string(entry),
		m.QualificationExpiry(), m.Revision, m.CreateTime, m.UpdateTime}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Insert adds a manager.
func (r *Managers) Insert(ctx context.Context, m manager.Manager) error {
	args, err := managerArgs(m)
	if err != nil {
		return err
	}
	_, err = r.db.Q(ctx).ExecContext(ctx, `INSERT INTO managers (id, display_name, gender, birth_date, education,
		hire_date, finance_start_date, org_unit_id, post, line, category, employment_type, supervisor_id,
		ladder_id, level_code, band, grade_date, status, status_date, exit_reason, probation_start, probation_end,
		id_number, phone, qualifications, entry_record, qualification_expiry, revision, create_time, update_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
		$21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`, args...)
	if storage.IsUniqueViolation(err) {
		return fmt.Errorf("%w: managers/%s already exists; employee numbers are unique", manager.ErrAlreadyExists, m.ID)
	}
	return err
}

// Update writes every field of m when the stored revision is still prevRevision.
func (r *Managers) Update(ctx context.Context, m manager.Manager, prevRevision int64) error {
	args, err := managerArgs(m)
	if err != nil {
		return err
	}
	res, err := r.db.Q(ctx).ExecContext(ctx, `UPDATE managers SET display_name = $2, gender = $3, birth_date = $4,
		education = $5, hire_date = $6, finance_start_date = $7, org_unit_id = $8, post = $9, line = $10,
		category = $11, employment_type = $12, supervisor_id = $13, ladder_id = $14, level_code = $15, band = $16,
		grade_date = $17, status = $18, status_date = $19, exit_reason = $20, probation_start = $21,
		probation_end = $22, id_number = $23, phone = $24, qualifications = $25, entry_record = $26,
		qualification_expiry = $27, revision = $28, create_time = $29, update_time = $30
		WHERE id = $1 AND revision = $31`, append(args, prevRevision)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w (managers/%s)", apierr.ErrEtagMismatch, m.ID)
	}
	return nil
}

// Count is the number of managers.
func (r *Managers) Count(ctx context.Context) (int, error) {
	var n int
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM managers`).Scan(&n)
	return n, err
}

const historyColumns = `kind, valid_from, org_unit_id, post, line, supervisor_id, ladder_id, level_code, band,
	status, exit_reason, reason, reference, recorded_by, record_time`

func scanHistory(row storage.Row) (manager.HistoryEntry, error) {
	var h manager.HistoryEntry
	err := row.Scan(&h.Kind, &h.ValidFrom, &h.OrgUnitID, &h.Post, &h.Line, &h.SupervisorID, &h.Grade.Ladder,
		&h.Grade.Level, &h.Grade.Band, &h.Status, &h.ExitReason, &h.Reason, &h.Reference, &h.RecordedBy, &h.RecordTime)
	h.Grade.Effective = h.ValidFrom
	h.RecordTime = h.RecordTime.UTC()
	return h, err
}

// History reads every dated change of a manager, oldest first (by day, then by
// recording order).
func (r *Managers) History(ctx context.Context, id string) ([]manager.HistoryEntry, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT `+historyColumns+` FROM manager_history
		WHERE manager_id = $1 ORDER BY valid_from, seq`, id)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanHistory)
}

// HistoriesOf reads, for each of ids that exists, the path of the manager's
// current org unit and every dated change, oldest first (by day, then by
// recording order): what "as of a day" answers for many managers at once need.
func (r *Managers) HistoriesOf(ctx context.Context, ids []string) (map[string]string, map[string][]manager.HistoryEntry, error) {
	type pathRow struct{ id, path string }
	found, err := storage.QueryIn(ctx, r.db, `SELECT m.id, ou.path`+managerFrom+` WHERE m.id IN (`, nil, ids,
		func(row storage.Row) (pathRow, error) {
			var p pathRow
			return p, row.Scan(&p.id, &p.path)
		})
	if err != nil {
		return nil, nil, err
	}
	paths := make(map[string]string, len(found))
	known := make([]string, 0, len(found))
	for _, p := range found {
		paths[p.id] = p.path
		known = append(known, p.id)
	}
	type historyRow struct {
		id  string
		seq int
		h   manager.HistoryEntry
	}
	rows, err := storage.QueryIn(ctx, r.db, `SELECT manager_id, seq, `+historyColumns+` FROM manager_history WHERE manager_id IN (`,
		nil, known, func(row storage.Row) (historyRow, error) {
			var x historyRow
			h := &x.h
			err := row.Scan(&x.id, &x.seq, &h.Kind, &h.ValidFrom, &h.OrgUnitID, &h.Post, &h.Line, &h.SupervisorID, &h.Grade.Ladder,
				&h.Grade.Level, &h.Grade.Band, &h.Status, &h.ExitReason, &h.Reason, &h.Reference, &h.RecordedBy, &h.RecordTime)
			h.Grade.Effective = h.ValidFrom
			h.RecordTime = h.RecordTime.UTC()
			return x, err
		})
	if err != nil {
		return nil, nil, err
	}
	// IN lists come back in no particular order: oldest first, as History.
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if c := a.h.ValidFrom.Compare(b.h.ValidFrom); c != 0 {
			return c < 0
		}
		return a.seq < b.seq
	})
	histories := make(map[string][]manager.HistoryEntry, len(known))
	for _, x := range rows {
		histories[x.id] = append(histories[x.id], x.h)
	}
	return paths, histories, nil
}

// AppendHistory adds entries after the manager's last one.
func (r *Managers) AppendHistory(ctx context.Context, id string, entries ...manager.HistoryEntry) error {
	q := r.db.Q(ctx)
	var seq int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM manager_history WHERE manager_id = $1`, id).Scan(&seq); err != nil {
		return err
	}
	for _, h := range entries {
		seq++
		if _, err := q.ExecContext(ctx, `INSERT INTO manager_history (manager_id, seq, `+historyColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			id, seq, int(h.Kind), h.ValidFrom, h.OrgUnitID, h.Post, int(h.Line), h.SupervisorID, h.Grade.Ladder,
			h.Grade.Level, h.Grade.Band, int(h.Status), int(h.ExitReason), h.Reason, h.Reference, h.RecordedBy,
			h.RecordTime); err != nil {
			return err
		}
	}
	return nil
}

// ProbationDue lists managers in probation or extended probation whose probation
// ends between from and to (inclusive), within scope, earliest first.
func (r *Managers) ProbationDue(ctx context.Context, scope manager.Scope, subtree string, from, to civil.Date) ([]manager.Manager, error) {
	cond, args := managerVisible(scope)
	n := len(args)
	stmt := `SELECT ` + managerColumns + managerFrom + ` WHERE ` + cond +
		fmt.Sprintf(` AND m.status IN (2, 3) AND m.probation_end >= $%d AND m.probation_end <= $%d`, n+1, n+2)
	args = append(args, from, to)
	if subtree != "" {
		stmt += fmt.Sprintf(` AND substr(ou.path, 1, length($%d)) = $%d`, n+3, n+3)
		args = append(args, subtree)
	}
	rows, err := r.db.Q(ctx).QueryContext(ctx, stmt+` ORDER BY m.probation_end, m.id`, args...)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanManager)
}

// Active lists the managers in scope (and subtree, when given) who have not exited.
func (r *Managers) Active(ctx context.Context, scope manager.Scope, subtree string) ([]manager.Manager, error) {
	cond, args := managerVisible(scope)
	stmt := `SELECT ` + managerColumns + managerFrom + ` WHERE ` + cond + ` AND m.status <> 6`
	if subtree != "" {
		stmt += fmt.Sprintf(` AND substr(ou.path, 1, length($%d)) = $%d`, len(args)+1, len(args)+1)
		args = append(args, subtree)
	}
	rows, err := r.db.Q(ctx).QueryContext(ctx, stmt+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanManager)
}

// Postings reads the posting history of several managers at once, by manager,
// oldest first.
func (r *Managers) Postings(ctx context.Context, ids []string) (map[string][]manager.HistoryEntry, error) {
	out := map[string][]manager.HistoryEntry{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT manager_id, `+historyColumns+` FROM manager_history
			WHERE kind = 1 AND manager_id IN (`+strings.Join(ph, ", ")+`) ORDER BY manager_id, valid_from, seq`, args...)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				var id string
				var h manager.HistoryEntry
				if err := rows.Scan(&id, &h.Kind, &h.ValidFrom, &h.OrgUnitID, &h.Post, &h.Line, &h.SupervisorID,
					&h.Grade.Ladder, &h.Grade.Level, &h.Grade.Band, &h.Status, &h.ExitReason, &h.Reason, &h.Reference,
					&h.RecordedBy, &h.RecordTime); err != nil {
					return err
				}
				out[id] = append(out[id], h)
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Distribution counts the managers holding a grade on ladder, not exited, in the
// subtree at path ("" for all): level → band → count.
func (r *Managers) Distribution(ctx context.Context, ladder, path string) (map[string]map[string]int, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT m.level_code, m.band, count(*)`+managerFrom+`
		WHERE m.ladder_id = $1 AND m.status <> 6 AND substr(ou.path, 1, length($2)) = $2
		GROUP BY m.level_code, m.band`, ladder, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var level, band string
		var n int
		if err := rows.Scan(&level, &band, &n); err != nil {
			return nil, err
		}
		if out[level] == nil {
			out[level] = map[string]int{}
		}
		out[level][band] = n
	}
	return out, rows.Err()
}

// Waivers reads a manager's approved entry waivers: rule → approval.
func (r *Managers) Waivers(ctx context.Context, id string) (map[string]string, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT rule, approval FROM entry_waivers WHERE manager_id = $1`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var rule, ap string
		if err := rows.Scan(&rule, &ap); err != nil {
			return nil, err
		}
		out[rule] = ap
	}
	return out, rows.Err()
}

// InsertWaiver records an approved waiver (a second one for the same rule
// replaces nothing: the first stands).
func (r *Managers) InsertWaiver(ctx context.Context, id, rule, approval, reason, by string) error {
	_, err := r.db.Q(ctx).ExecContext(ctx, `INSERT INTO entry_waivers (manager_id, rule, approval, reason, granted_by, grant_time)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (manager_id, rule) DO NOTHING`, id, rule, approval, reason, by, storage.Now())
	return err
}

// --- grade ladders ---

func scanLadder(row storage.Row) (manager.Ladder, error) {
	var l manager.Ladder
	var levels string
	if err := row.Scan(&l.ID, &l.DisplayName, &levels, &l.Default, &l.TraineeMonths, &l.Revision, &l.CreateTime, &l.UpdateTime); err != nil {
		return l, err
	}
	l.CreateTime, l.UpdateTime = l.CreateTime.UTC(), l.UpdateTime.UTC()
	return l, json.Unmarshal([]byte(levels), &l.Levels)
}

const ladderColumns = `id, display_name, levels, is_default, trainee_months, revision, create_time, update_time`

// Ladder reads one ladder.
func (r *Managers) Ladder(ctx context.Context, id string) (manager.Ladder, error) {
	l, err := scanLadder(r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+ladderColumns+` FROM grade_ladders WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("%w: gradeLadders/%s", manager.ErrNotFound, id)
	}
	return l, err
}

// Ladders reads every ladder, by id.
func (r *Managers) Ladders(ctx context.Context) ([]manager.Ladder, error) {
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT `+ladderColumns+` FROM grade_ladders ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanLadder)
}

// SaveLadder inserts a ladder (prevRevision 0) or updates it when the stored
// revision is still prevRevision.
func (r *Managers) SaveLadder(ctx context.Context, l manager.Ladder, prevRevision int64) error {
	levels, err := json.Marshal(l.Levels)
	if err != nil {
		return err
	}
	q := r.db.Q(ctx)
	if l.Default { // one default ladder
		if _, err := q.ExecContext(ctx, `UPDATE grade_ladders SET is_default = FALSE WHERE id <> $1`, l.ID); err != nil {
			return err
		}
	}
	if prevRevision == 0 {
		_, err = q.ExecContext(ctx, `INSERT INTO grade_ladders (`+ladderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			l.ID, l.DisplayName, string(levels), l.Default, l.TraineeMonths, l.Revision, l.CreateTime, l.UpdateTime)
		if storage.IsUniqueViolation(err) {
			return fmt.Errorf("%w: gradeLadders/%s already exists", manager.ErrAlreadyExists, l.ID)
		}
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE grade_ladders SET display_name = $2, levels = $3, is_default = $4,
		trainee_months = $5, revision = $6, update_time = $7 WHERE id = $1 AND revision = $8`,
		l.ID, l.DisplayName, string(levels), l.Default, l.TraineeMonths, l.Revision, l.UpdateTime, prevRevision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w (gradeLadders/%s)", apierr.ErrEtagMismatch, l.ID)
	}
	return nil
}

// LevelHolders counts the managers (not exited) holding level on ladder.
func (r *Managers) LevelHolders(ctx context.Context, ladder, level string) (int, error) {
	var n int
	err := r.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM managers WHERE ladder_id = $1 AND level_code = $2`,
		ladder, level).Scan(&n)
	return n, err
}

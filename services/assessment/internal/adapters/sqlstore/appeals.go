package sqlstore

import (
	"context"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/assessment/internal/app"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/appeal"
)

// storedAppeal is the JSON document of an appeal.
type storedAppeal struct {
	Appeal    appeal.Appeal  `json:"appeal"`
	Deadline  civil.Date     `json:"deadline"`
	Amendment *app.Amendment `json:"amendment,omitempty"`
}

const appealColumns = `org_path, doc, revision, create_time, update_time`

func scanAppeal(row storage.Row) (app.AppealRecord, error) {
	var r app.AppealRecord
	var doc string
	if err := row.Scan(&r.OrgPath, &doc, &r.Revision, &r.CreateTime, &r.UpdateTime); err != nil {
		return r, err
	}
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	var sa storedAppeal
	if err := fromJSON("appeal", doc, &sa); err != nil {
		return r, err
	}
	r.Appeal, r.Deadline, r.Amendment = sa.Appeal, sa.Deadline, sa.Amendment
	return r, nil
}

// InsertAppeal adds an appeal.
func (s *Store) InsertAppeal(ctx context.Context, r app.AppealRecord) error {
	doc, err := toJSON(storedAppeal{Appeal: r.Appeal, Deadline: r.Deadline, Amendment: r.Amendment})
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO appeals (id, subject, manager_id, org_path, state, doc, revision, create_time,
		update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.Subject.Ref, r.Subject.Employee, r.OrgPath, string(r.State), doc,
		r.Revision, r.CreateTime, r.UpdateTime)
	return exists(err, "appeals/"+r.ID)
}

// Appeal reads one appeal.
func (s *Store) Appeal(ctx context.Context, id string) (app.AppealRecord, error) {
	r, err := scanAppeal(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+appealColumns+` FROM appeals WHERE id = $1`, id))
	return r, notFound(err, "appeals/%s", id)
}

// UpdateAppeal writes r if the stored revision is r.Revision-1.
func (s *Store) UpdateAppeal(ctx context.Context, r app.AppealRecord) error {
	doc, err := toJSON(storedAppeal{Appeal: r.Appeal, Deadline: r.Deadline, Amendment: r.Amendment})
	if err != nil {
		return err
	}
	return updated(s.db.Q(ctx).ExecContext(ctx, `UPDATE appeals SET state = $2, doc = $3, revision = $4, update_time = $5
		WHERE id = $1 AND revision = $6`, r.ID, string(r.State), doc, r.Revision, r.UpdateTime, r.Revision-1))
}

// OpenAppeal returns the appeal of subject not decided yet, if any.
func (s *Store) OpenAppeal(ctx context.Context, subject string) (app.AppealRecord, bool, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+appealColumns+` FROM appeals WHERE subject = $1 AND state IN ($2, $3)`,
		subject, string(appeal.StateFiled), string(appeal.StateUnderReview))
	if err != nil {
		return app.AppealRecord{}, false, err
	}
	list, err := storage.Collect(rows, scanAppeal)
	if err != nil || len(list) == 0 {
		return app.AppealRecord{}, false, err
	}
	return list[0], true, nil
}

var appealListSchema = aip.Schema{
	Fields: map[string]aip.Field{
		"manager": {Column: "manager_id", Type: aip.String, Convert: resourceID("managers/", "managers/E1001")},
		"subject": {Column: "subject", Type: aip.String},
		"state": {Column: "state", Type: aip.Enum, Enum: map[string]any{"STATE_FILED": "filed", "STATE_UNDER_REVIEW": "under_review",
			"STATE_UPHELD": "upheld", "STATE_REJECTED": "rejected", "STATE_WITHDRAWN": "withdrawn"}},
		"create_time": {Column: "create_time", Type: aip.Timestamp, Orderable: true},
	},
	DefaultOrder:    "create_time desc",
	Tiebreak:        "id",
	DefaultPageSize: 50,
	MaxPageSize:     1000,
}

// ListAppeals reads one page of the appeals scope allows.
func (s *Store) ListAppeals(ctx context.Context, req aip.Request, scope app.Scope) ([]app.AppealRecord, string, error) {
	cond, args := "1 = 1", []any{}
	switch {
	case scope.All:
	case scope.Path != "":
		cond, args = "(substr(org_path, 1, length($1)) = $1 OR manager_id = $2)", []any{scope.Path, scope.Self}
	default:
		cond, args = "manager_id = $1", []any{scope.Self}
	}
	return storage.Page(ctx, s.db, appealListSchema, req, cond, args, `SELECT `+appealColumns+` FROM appeals`, scanAppeal,
		func(r app.AppealRecord) map[string]any {
			return map[string]any{"create_time": r.CreateTime, "id": r.ID}
		})
}

package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/rmsuite/rmsuite/pkg/civil"
	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/services/compensation/internal/app"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/formula"
	"github.com/rmsuite/rmsuite/services/compensation/internal/domain/pay"
)

// configDoc is a configuration as stored: decimals as exact text.
type configDoc struct {
	Description      string         `json:"description,omitempty"`
	Standard         money.Amount   `json:"standard"`
	GradeRates       []gradeRateDoc `json:"gradeRates"`
	Parameters       []parameterDoc `json:"parameters"`
	Components       []componentDoc `json:"components"`
	CommissionRules  []ruleDoc      `json:"commissionRules"`
	RegionClasses    []regionDoc    `json:"regionClasses"`
	SupervisorPosts  []string       `json:"supervisorPosts"`
	SupervisorLevels []string       `json:"supervisorLevels"`
}

type gradeRateDoc struct {
	Ladder      string        `json:"ladder"`
	Level       string        `json:"level"`
	Band        string        `json:"band,omitempty"`
	Base        money.Decimal `json:"base"`
	Performance money.Decimal `json:"performance"`
}

type parameterDoc struct {
	Name        string        `json:"name"`
	Unit        string        `json:"unit"`
	Value       money.Decimal `json:"value"`
	Description string        `json:"description,omitempty"`
}

type componentDoc struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Kind        int    `json:"kind"`
	Eligibility int    `json:"eligibility"`
	Formula     string `json:"formula"`
}

type ruleDoc struct {
	Code      string        `json:"code"`
	Name      string        `json:"name"`
	Rate      money.Decimal `json:"rate"`
	Threshold money.Decimal `json:"threshold"`
}

type regionDoc struct {
	OrgUnit     string        `json:"orgUnit"`
	Name        string        `json:"name,omitempty"`
	Coefficient money.Decimal `json:"coefficient"`
}

func toConfigDoc(c pay.Config) configDoc {
	d := configDoc{Description: c.Description, Standard: c.Standard, SupervisorPosts: c.SupervisorPosts, SupervisorLevels: c.SupervisorLevels}
	for _, r := range c.GradeRates {
		d.GradeRates = append(d.GradeRates, gradeRateDoc(r))
	}
	for _, p := range c.Parameters {
		d.Parameters = append(d.Parameters, parameterDoc{Name: p.Name, Unit: p.Unit.String(), Value: p.Value, Description: p.Description})
	}
	for _, x := range c.Components {
		d.Components = append(d.Components, componentDoc{Code: x.Code, Name: x.Name, Kind: int(x.Kind), Eligibility: int(x.Eligibility), Formula: x.Formula})
	}
	for _, r := range c.CommissionRules {
		d.CommissionRules = append(d.CommissionRules, ruleDoc(r))
	}
	for _, r := range c.RegionClasses {
		d.RegionClasses = append(d.RegionClasses, regionDoc(r))
	}
	return d
}

func fromConfigDoc(d configDoc) (pay.Config, error) {
	c := pay.Config{Description: d.Description, Standard: d.Standard, SupervisorPosts: d.SupervisorPosts, SupervisorLevels: d.SupervisorLevels}
	for _, r := range d.GradeRates {
		c.GradeRates = append(c.GradeRates, pay.GradeRate(r))
	}
	for _, p := range d.Parameters {
		u, err := formula.ParseUnit(p.Unit)
		if err != nil {
			return c, err
		}
		c.Parameters = append(c.Parameters, pay.Parameter{Name: p.Name, Unit: u, Value: p.Value, Description: p.Description})
	}
	for _, x := range d.Components {
		c.Components = append(c.Components, pay.Component{Code: x.Code, Name: x.Name, Kind: pay.LineKind(x.Kind),
			Eligibility: pay.Eligibility(x.Eligibility), Formula: x.Formula})
	}
	for _, r := range d.CommissionRules {
		c.CommissionRules = append(c.CommissionRules, pay.CommissionRule(r))
	}
	for _, r := range d.RegionClasses {
		c.RegionClasses = append(c.RegionClasses, pay.RegionClass(r))
	}
	return c, nil
}

const configColumns = `effective_date, revision, document, create_time, update_time, updated_by`

func scanConfig(row storage.Row) (app.ConfigRecord, error) {
	var r app.ConfigRecord
	var day, doc string
	if err := row.Scan(&day, &r.Revision, &doc, &r.CreateTime, &r.UpdateTime, &r.UpdatedBy); err != nil {
		return r, err
	}
	var d configDoc
	if err := fromJSON("pay configuration "+day, doc, &d); err != nil {
		return r, err
	}
	c, err := fromConfigDoc(d)
	if err != nil {
		return r, err
	}
	rev := r.Revision
	r.Config = c
	r.Revision = rev
	if r.Effective, err = civil.Parse(day); err != nil {
		return r, err
	}
	r.CreateTime, r.UpdateTime = r.CreateTime.UTC(), r.UpdateTime.UTC()
	return r, nil
}

// ConfigVersions reads the latest revision of every version, earliest first.
func (s *Store) ConfigVersions(ctx context.Context) ([]app.ConfigRecord, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+configColumns+` FROM pay_configs c
		WHERE revision = (SELECT max(revision) FROM pay_configs l WHERE l.effective_date = c.effective_date)
		ORDER BY effective_date`)
	if err != nil {
		return nil, err
	}
	return storage.Collect(rows, scanConfig)
}

// Config reads one revision (0: the latest).
func (s *Store) Config(ctx context.Context, effective civil.Date, revision int64) (app.ConfigRecord, error) {
	q := `SELECT ` + configColumns + ` FROM pay_configs WHERE effective_date = $1 AND revision = $2`
	args := []any{effective.String(), revision}
	if revision == 0 {
		q = `SELECT ` + configColumns + ` FROM pay_configs WHERE effective_date = $1 ORDER BY revision DESC LIMIT 1`
		args = args[:1]
	}
	r, err := scanConfig(s.db.Q(ctx).QueryRowContext(ctx, q, args...))
	what := "payConfigs/" + effective.String()
	if revision > 0 {
		what += " revision " + strconv.FormatInt(revision, 10)
	}
	return r, notFound(err, "%s", what)
}

// InsertConfig adds a revision.
func (s *Store) InsertConfig(ctx context.Context, r app.ConfigRecord) error {
	doc, err := toJSON(toConfigDoc(r.Config))
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, `INSERT INTO pay_configs (`+configColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.Effective.String(), r.Revision, doc, r.CreateTime, r.UpdateTime, r.UpdatedBy)
	return exists(err, "%s revision %d", r.Name(), r.Revision)
}

// ConfigStamp is the number of revisions: revisions are only ever added, so
// it changes whenever one is.
func (s *Store) ConfigStamp(ctx context.Context) (string, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM pay_configs`).Scan(&n)
	return fmt.Sprintf("configs:%d", n), err
}

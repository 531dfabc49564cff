package template_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/money"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/indicator"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/template"
	"github.com/rmsuite/rmsuite/services/assessment/internal/domain/violation"
)

var d = money.MustParseDecimal

func fields(err error) []string {
	var out []string
	for _, v := range violation.Of(err) {
		out = append(out, v.Field)
	}
	return out
}

func small() template.Template {
	return template.Template{Code: "T1", Name: "test", Tier: template.TierJunior, Lines: []template.Line{
		{Indicator: indicator.DepositDailyAvg, Part: template.PartMarketing, Weight: d("60")},
		{Indicator: indicator.EthicsRating, Part: template.PartBasic, Weight: d("40")},
	}}
}

func TestValidate(t *testing.T) {
	lib := indicator.DefaultLibrary()
	tests := []struct {
		name   string
		change func(*template.Template)
		want   []string
	}{
		{"valid", func(*template.Template) {}, nil},
		{"decimal weights adding to 100", func(tp *template.Template) {
			tp.Lines[0].Weight, tp.Lines[1].Weight = d("62.5"), d("37.50")
		}, nil},
		{"weights add to 99", func(tp *template.Template) { tp.Lines[1].Weight = d("39") }, []string{"lines"}},
		{"weights add to 101", func(tp *template.Template) { tp.Lines[1].Weight = d("41") }, []string{"lines"}},
		{"unknown indicator", func(tp *template.Template) { tp.Lines[1].Indicator = "NOPE" }, []string{"lines[1].indicator"}},
		{"duplicate indicator", func(tp *template.Template) {
			tp.Lines[1].Indicator = indicator.DepositDailyAvg
		}, []string{"lines[1].indicator"}},
		{"zero weight", func(tp *template.Template) {
			tp.Lines[0].Weight = d("0")
			tp.Lines = append(tp.Lines, template.Line{Indicator: indicator.LoanDailyAvg, Part: template.PartMarketing, Weight: d("60")})
		}, []string{"lines[0].weight"}},
		{"negative weight", func(tp *template.Template) {
			tp.Lines[0].Weight = d("-10")
			tp.Lines = append(tp.Lines, template.Line{Indicator: indicator.LoanDailyAvg, Part: template.PartMarketing, Weight: d("70")})
		}, []string{"lines[0].weight"}},
		{"three decimal places", func(tp *template.Template) {
			tp.Lines[0].Weight, tp.Lines[1].Weight = d("60.005"), d("39.995")
		}, []string{"lines[0].weight", "lines[1].weight"}},
		{"unknown part", func(tp *template.Template) { tp.Lines[0].Part = "sales" }, []string{"lines[0].part"}},
		{"no lines", func(tp *template.Template) { tp.Lines = nil }, []string{"lines"}},
		{"bad header", func(tp *template.Template) { tp.Code, tp.Name, tp.Tier = "t 1", "", "expert" }, []string{"code", "name", "tier"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := small()
			tt.change(&tp)
			err := tp.Validate(lib)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, template.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			if got := fields(err); !slices.Equal(got, tt.want) {
				t.Errorf("violations on %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

// TestDefaultTemplates checks the shipped templates are valid and weigh the
// parts as documented: junior levels basic most, middle marketing, senior
// management.
func TestDefaultTemplates(t *testing.T) {
	lib := indicator.DefaultLibrary()
	want := map[string]struct {
		tier                     template.Tier
		basic, marketing, manage string
		heaviest                 template.Part
	}{
		template.Junior: {template.TierJunior, "50", "35", "15", template.PartBasic},
		template.Middle: {template.TierMiddle, "30", "50", "20", template.PartMarketing},
		template.Senior: {template.TierSenior, "20", "30", "50", template.PartManagement},
	}
	tpls := template.DefaultTemplates()
	if len(tpls) != len(want) {
		t.Fatalf("%d default templates, want %d", len(tpls), len(want))
	}
	for _, tp := range tpls {
		if err := tp.Validate(lib); err != nil {
			t.Errorf("%s: %v", tp.Code, err)
		}
		w, ok := want[tp.Code]
		if !ok {
			t.Errorf("unexpected template %s", tp.Code)
			continue
		}
		pw, err := tp.PartWeights()
		if err != nil {
			t.Fatal(err)
		}
		got := map[template.Part]money.Decimal{}
		heaviest := pw[0]
		for _, p := range pw {
			got[p.Part] = p.Weight
			if p.Weight.Cmp(heaviest.Weight) > 0 {
				heaviest = p
			}
		}
		if got[template.PartBasic].Cmp(d(w.basic)) != 0 || got[template.PartMarketing].Cmp(d(w.marketing)) != 0 ||
			got[template.PartManagement].Cmp(d(w.manage)) != 0 {
			t.Errorf("%s part weights %v, want basic %s marketing %s management %s", tp.Code, pw, w.basic, w.marketing, w.manage)
		}
		if heaviest.Part != w.heaviest || tp.Tier != w.tier {
			t.Errorf("%s: heaviest part %s, tier %s; want %s, %s", tp.Code, heaviest.Part, tp.Tier, w.heaviest, w.tier)
		}
	}
}

func TestAssignments(t *testing.T) {
	a := template.DefaultAssignments()
	if err := a.Validate(template.DefaultTemplates()); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ ladder, level, want string }{
		{"bank", "T", template.Junior},
		{"bank", "L2", template.Middle},
		{"bank", "SR", template.Senior},
		{"three-levels-nine-bands", "MIDDLE", template.Middle},
		{"sales", "PRINCIPAL", template.Senior},
	}
	for _, tt := range tests {
		if got, ok := a.TemplateFor(tt.ladder, tt.level); !ok || got != tt.want {
			t.Errorf("TemplateFor(%s, %s) = %q, %t; want %q", tt.ladder, tt.level, got, ok, tt.want)
		}
	}
	if _, ok := a.TemplateFor("bank", "NOPE"); ok {
		t.Error("TemplateFor an unknown level succeeded")
	}
	bad := append(template.Assignments{}, a...)
	bad = append(bad, template.Assignment{Ladder: "bank", Level: "L2", Template: "GHOST"})
	err := bad.Validate(template.DefaultTemplates())
	at := violation.Index("assignments", len(bad)-1)
	if got, want := fields(err), []string{at + ".template", at}; !slices.Equal(got, want) {
		t.Errorf("violations on %q, want %q (%v)", got, want, err)
	}
}

package importfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rmsuite/rmsuite/pkg/civil"
)

var spec = Spec{Columns: []Column{
	{Key: "code", Aliases: []string{"编号"}, Required: true},
	{Key: "name", Aliases: []string{"名称", "姓名"}, Required: true},
	{Key: "latitude", Aliases: []string{"纬度"}},
}}

func xlsx(t *testing.T, rows map[int][]any, format func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	for n, row := range rows {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", n), &row); err != nil {
			t.Fatal(err)
		}
	}
	if format != nil {
		format(f, sheet)
	}
	f.NewSheet("second") // only the first sheet is read
	_ = f.SetCellValue("second", "A1", "ignored")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type seen struct {
	row                  int
	code, name, latitude string
}

func rowsOf(f *File) []seen {
	var out []seen
	for _, r := range f.Rows {
		out = append(out, seen{r.Number, r.Get("code"), r.Get("name"), r.Get("latitude")})
	}
	return out
}

func TestReadCSVAndXLSXAlike(t *testing.T) {
	// Chinese headers, a BOM, a blank line, a quoted cell with a newline and a comma:
	// row numbers are the spreadsheet's.
	csvFile := []byte("\uFEFF编号 , 姓名,纬度\r\nA1,张三,31.5\r\n\r\nA2,\"李\n四, 先生\",\r\n,,\r\nA3,王五,\r\n")
	want := "[{2 A1 张三 31.5} {4 A2 李\n四, 先生 } {6 A3 王五 }]"
	f, problems, err := Read(csvFile, "", spec)
	if err != nil || problems.Len() != 0 || f.Format != CSV || fmt.Sprint(rowsOf(f)) != want {
		t.Fatalf("csv: %v %v %v\n%q", rowsOf(f), problems.List(), err, fmt.Sprint(rowsOf(f)))
	}
	// The same in a workbook: a blank row 3 and 5, a number shown with two decimals
	// read with its full precision.
	book := xlsx(t, map[int][]any{
		1: {"Code", "NAME *", "Latitude"},
		2: {"A1", "张三", 31.5},
		4: {"A2", "李\n四, 先生"},
		6: {"A3", "王五"},
	}, nil)
	f, problems, err = Read(book, "xlsx", spec)
	if err != nil || problems.Len() != 0 || f.Format != XLSX || fmt.Sprint(rowsOf(f)) != want {
		t.Fatalf("xlsx: %v %v %v", rowsOf(f), problems.List(), err)
	}
	precise := xlsx(t, map[int][]any{1: {"code", "name", "latitude"}, 2: {10001, "x", 31.23041234}}, func(f *excelize.File, sheet string) {
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
		_ = f.SetCellStyle(sheet, "C2", "C2", style)
	})
	f, _, err = Read(precise, "", spec)
	if err != nil || rowsOf(f)[0].code != "10001" || rowsOf(f)[0].latitude != "31.23041234" {
		t.Fatalf("raw values: %v, %v", rowsOf(f), err)
	}
}

func TestHeaderProblems(t *testing.T) {
	for _, c := range []struct {
		file string
		says []string
	}{
		{"code,备注\nA,x\n", []string{`column "备注" is not known`, "required column name (名称) is missing"}},
		{"code,name,编号\nA,B,C\n", []string{`column code appears twice (as "code" and "编号")`}},
		{"\n\ncode,name\nA,B\n", []string{"rows 1 to 2 are blank"}},
		{"", nil}, // empty: an error, below
		{"\n\n", []string{"no header row"}},
	} {
		f, problems, err := Read([]byte(c.file), "csv", spec)
		if c.says == nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Errorf("%q: err = %v", c.file, err)
			}
			continue
		}
		if err != nil || len(f.Rows) != 0 || problems.Len() != len(c.says) {
			t.Errorf("%q: rows %v, problems %v, err %v", c.file, f.Rows, problems.List(), err)
			continue
		}
		for i, s := range c.says {
			if !strings.Contains(problems.List()[i].Reason, s) {
				t.Errorf("%q: problem %q does not say %q", c.file, problems.List()[i].Reason, s)
			}
		}
	}
	// Unknown columns may be allowed.
	loose := spec
	loose.AllowUnknown = true
	f, problems, err := Read([]byte("code,name,备注\nA,B,whatever\n"), "", loose)
	if err != nil || problems.Len() != 0 || len(f.Rows) != 1 || f.Has("备注") {
		t.Fatalf("allow unknown: %v %v", problems.List(), err)
	}
}

func TestRowProblems(t *testing.T) {
	f, problems, err := Read([]byte("code,name,\nA,B,\nC,D,stray\nE,F,,,more\n"), "", spec)
	if err != nil || len(f.Rows) != 3 {
		t.Fatal(err)
	}
	got := problems.List()
	if len(got) != 2 || got[0].Row != 3 || !strings.Contains(got[0].Reason, "no header") ||
		got[1].Row != 4 || !strings.Contains(got[1].Reason, `cell 5 holds "more" but the header has only 3 columns`) {
		t.Fatalf("problems = %+v", got)
	}
	limited := spec
	limited.MaxRows = 2
	_, problems, _ = Read([]byte("code,name\n1,a\n2,b\n3,c\n"), "", limited)
	if problems.Len() != 1 || problems.List()[0].Row != 4 || !strings.Contains(problems.List()[0].Reason, "more than 2 data rows") {
		t.Fatalf("row limit: %+v", problems.List())
	}
}

func TestUnreadable(t *testing.T) {
	gbk := []byte{0xbf, 0xcd, 0xbb, 0xa7, ',', 'x', '\n'} // "客户" in GBK
	for _, c := range []struct {
		content []byte
		format  string
		says    string
	}{
		{nil, "", "the file is empty"},
		{[]byte{0xD0, 0xCF, 0x11, 0xE0, 0, 0}, "", "legacy Excel .xls"},
		{[]byte("a,b\n"), "xlsx", "not an XLSX workbook"},
		{[]byte("PK\x03\x04garbage"), "csv", "ZIP container"},
		{[]byte("PK\x03\x04garbage"), "", "cannot be opened"},
		{[]byte("a,b\n"), "ods", `format "ods" is not known`},
		{gbk, "", "not UTF-8"},
		{[]byte("code,name\n\"A,B\n"), "", "malformed"},
	} {
		_, _, err := Read(c.content, c.format, spec)
		if !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q as %q: err = %v, want one saying %q", c.content, c.format, err, c.says)
		}
	}
}

func TestProblemsAreCappedAndOrdered(t *testing.T) {
	p := &Problems{Max: 3}
	p.Add(9, "a", "late")
	p.Add(2, "b", "early")
	p.Add(2, "c", "early too")
	p.Add(5, "", "dropped")
	got := p.List()
	if p.Len() != 4 || p.BadRows() != 3 || len(got) != 4 || got[0].Reason != "early" || got[1].Reason != "early too" ||
		got[2].Row != 9 || got[3].Row != 0 || !strings.HasPrefix(got[3].Reason, "1 more problems") {
		t.Fatalf("problems = %+v", got)
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]string{
		"2026-01-31": "2026-01-31", "2026/1/31": "2026-01-31", "2026.01.31": "2026-01-31", "2026年1月31日": "2026-01-31",
		"20260131": "2026-01-31", "45658": "2025-01-01", "45658.75": "2025-01-01", "": "",
	} {
		d, err := ParseDate(s)
		if err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", s, d, err, want)
		}
	}
	for _, s := range []string{"2026-02-30", "31/01/2026", "yesterday", "12"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	if d, _ := ParseDate("2024-02-29"); d != (civil.Date{Year: 2024, Month: 2, Day: 29}) {
		t.Errorf("leap day: %v", d)
	}
	if ParseManager(" managers/E3001 ") != "E3001" || ParseManager("E3001") != "E3001" {
		t.Error("ParseManager")
	}
}

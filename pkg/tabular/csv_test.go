package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const bom = "\xEF\xBB\xBF"

func TestWriteCSV(t *testing.T) {
	for _, c := range []struct {
		name  string
		table Table
		want  string // after the BOM
	}{
		{
			name: "header and rows, CRLF",
			table: Table{
				Title:   "ignored",
				Columns: []Column{{Header: "name"}, {Header: "amount"}},
				Rows:    [][]Cell{{Text("a"), MustDecimal("1245.83")}, {Text("b"), MustDecimal("-0.50")}},
			},
			want: "name,amount\r\na,1245.83\r\nb,-0.50\r\n",
		},
		{
			name: "quoting of commas, quotes and line breaks",
			table: Table{Rows: [][]Cell{
				{Text("a,b"), Text(`say "hi"`), Text("two\nlines"), Text("crlf\r\ninside")},
				{Text(" leading space"), Text("plain"), Text(""), Text(`\.`)},
			}},
			want: "\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"crlf\r\ninside\"\r\n" +
				"\" leading space\",plain,,\"\\.\"\r\n",
		},
		{
			name: "Chinese text",
			table: Table{
				Columns: []Column{{Header: "客户经理"}, {Header: "支行"}},
				Rows:    [][]Cell{{Text("张三"), Text("上海分行，浦东支行")}},
			},
			want: "客户经理,支行\r\n张三,上海分行，浦东支行\r\n",
		},
		{
			name: "formula injection guard on text",
			table: Table{Rows: [][]Cell{
				{Text("=1+1"), Text("+86 21 1234"), Text("-5"), Text("@SUM(A1)")},
				{Text("\tx"), Text("\rx"), Text("a=b"), Text("'quoted")},
				{Text("=HYPERLINK(\"http://x\",\"y\")"), Text("－5"), Text(" =1"), Text("1-2")},
			}},
			want: "'=1+1,'+86 21 1234,'-5,'@SUM(A1)\r\n" +
				"'\tx,\"'x\",a=b,'quoted\r\n" + // encoding/csv drops the lone CR
				"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",－5,\" =1\",1-2\r\n",
		},
		{
			name: "guard on headers too",
			table: Table{
				Columns: []Column{{Header: "=cmd"}, {Header: "-"}},
			},
			want: "'=cmd,'-\r\n",
		},
		{
			name: "numbers are never guarded",
			table: Table{Rows: [][]Cell{
				{MustDecimal("-0.50"), Int(-3), MustDecimal("-1245.83"), Int(0)},
			}},
			want: "-0.50,-3,-1245.83,0\r\n",
		},
		{
			name: "dates",
			table: Table{Rows: [][]Cell{
				{Date(2026, time.May, 7), Date(1, time.January, 1), Date(9999, time.December, 31), Date(2024, time.February, 29)},
			}},
			want: "2026-05-07,0001-01-01,9999-12-31,2024-02-29\r\n",
		},
		{
			name: "short rows padded to the columns",
			table: Table{
				Columns: []Column{{Header: "a"}, {Header: "b"}, {Header: "c"}},
				Rows:    [][]Cell{{Int(1)}, {}, {Int(1), Empty(), Int(3)}},
			},
			want: "a,b,c\r\n1,,\r\n,,\r\n1,,3\r\n",
		},
		{
			name:  "no columns: rows padded to the longest",
			table: Table{Rows: [][]Cell{{Int(1)}, {Int(1), Int(2), Int(3)}}},
			want:  "1,,\r\n1,2,3\r\n",
		},
		{
			name:  "invalid UTF-8 becomes U+FFFD",
			table: Table{Rows: [][]Cell{{Text("a\xff\xfeb"), Text("ok")}}},
			want:  "a\uFFFDb,ok\r\n",
		},
		{
			name:  "empty table",
			table: Table{},
			want:  "",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCSV(&buf, c.table); err != nil {
				t.Fatal(err)
			}
			got, ok := strings.CutPrefix(buf.String(), bom)
			if !ok {
				t.Fatalf("output does not start with the UTF-8 BOM: %q", buf.String())
			}
			if got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestWriteCSVReadsBack reads the output with encoding/csv, as a program
// consuming the file would, and checks the fields.
func TestWriteCSVReadsBack(t *testing.T) {
	table := Table{
		Columns: []Column{{Header: "姓名"}, {Header: "备注"}, {Header: "金额"}, {Header: "日期"}},
		Rows: [][]Cell{
			{Text("张三"), Text("line 1\nline 2, \"quoted\""), MustDecimal("-12.30"), Date(2026, time.January, 5)},
			{Text("李四"), Text("=SUM(A1:A9)"), Int(42), Empty()},
		},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, table); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), bom)))
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"姓名", "备注", "金额", "日期"},
		{"张三", "line 1\nline 2, \"quoted\"", "-12.30", "2026-01-05"},
		{"李四", "'=SUM(A1:A9)", "42", ""},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("read back\n%q\nwant\n%q", got, want)
	}
}

func TestWriteCSVErrorsWriteNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		table Table
		want  string
	}{
		{
			name:  "row longer than the columns",
			table: Table{Title: "T", Columns: []Column{{Header: "a"}}, Rows: [][]Cell{{Int(1)}, {Int(1), Int(2)}}},
			want:  `table "T", row 2 has 2 cells but the table has 1 columns`,
		},
		{
			name:  "year 0",
			table: Table{Rows: [][]Cell{{Date(0, time.December, 31)}}},
			want:  "row 1, column 1: date 0000-12-31 is outside the years 1 to 9999",
		},
		{
			name:  "year 10000",
			table: Table{Rows: [][]Cell{{Int(1)}, {Int(2), Date(10000, time.January, 1)}}},
			want:  "row 2, column 2: date 10000-01-01",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteCSV(&buf, c.table)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.after {
		n := w.after
		w.after = 0
		return n, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestWritersReportWriteErrors(t *testing.T) {
	table := Table{Columns: []Column{{Header: "a"}}, Rows: [][]Cell{{Text(strings.Repeat("x", 100000))}}}
	for _, after := range []int{0, 2, 5000} {
		if err := WriteCSV(&failingWriter{after: after}, table); err == nil {
			t.Errorf("WriteCSV: no error from a writer that fails after %d bytes", after)
		}
		if err := WriteXLSX(&failingWriter{after: after}, table); err == nil {
			t.Errorf("WriteXLSX: no error from a writer that fails after %d bytes", after)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"visits.csv", "attachment; filename=visits.csv"},
		{"拜访清单 2026-05.xlsx", "attachment; filename*=utf-8''%E6%8B%9C%E8%AE%BF%E6%B8%85%E5%8D%95%202026-05.xlsx"},
		{`pay "May".csv`, `attachment; filename="pay \"May\".csv"`},
		{"../../etc/passwd", "attachment; filename=.._.._etc_passwd"},
		{"a\r\nb.csv", "attachment; filename=a__b.csv"},
		{"", "attachment; filename=download"},
	} {
		if got := ContentDisposition(c.in); got != c.want {
			t.Errorf("ContentDisposition(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

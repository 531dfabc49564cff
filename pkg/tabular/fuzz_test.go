package tabular

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf16"
)

var fuzzTexts = []string{
	"", "plain", "张三", "<&>\"'", "a\x00b\x1fc", "\r\n\r", "\xff\xfe", "\uFFFE\uFFFF",
	"_x0041_", "_x005F_x0041_", "__x0041__", "'History'", "History", "a:b/c?d*e[f]g\\h",
	"  ", "=1+1", "-5", "😀𠀀", "\xed\xa0\x80", strings.Repeat("长", 40),
}

// FuzzWriteXLSX writes any text as a sheet title, a header and cells, and
// checks that the workbook reads back with the text intact (less the
// characters XML cannot hold) and a valid sheet name.
func FuzzWriteXLSX(f *testing.F) {
	for _, s := range fuzzTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		table := Table{
			Title:   s,
			Columns: []Column{{Header: s}, {Header: "b"}},
			Rows:    [][]Cell{{Text(s), Text("x" + s)}, {Text(s + "_x0041_"), Text(s)}},
		}
		var buf bytes.Buffer
		err := WriteXLSX(&buf, table, Table{Title: s})
		if len(utf16.Encode([]rune(xmlCleaned("x"+s+"_x0041_")))) > maxTextUnits {
			if err == nil {
				t.Fatal("text over the limit accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := readXLSX(buf.Bytes())
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if len(b.sheets) != 2 {
			t.Fatalf("%d sheets, want 2", len(b.sheets))
		}
		checkSheetNames(t, b)
		checkCells(t, b.sheets[0], table)
	})
}

// FuzzWriteCSV writes any text and checks that encoding/csv reads it back
// as documented: guarded against formulas, carriage returns gone (a CRLF
// inside a cell reads back as LF, a lone CR is dropped).
func FuzzWriteCSV(f *testing.F) {
	for _, s := range fuzzTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, Table{Columns: []Column{{Header: s}, {Header: "n"}}, Rows: [][]Cell{{Text(s), Int(-1)}}}); err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(buf.String(), bom)
		if !ok {
			t.Fatal("no BOM")
		}
		records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("reading back %q: %v", body, err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if want != "" && strings.ContainsRune("=+-@\t\r", rune(want[0])) {
			want = "'" + want
		}
		want = strings.ReplaceAll(want, "\r", "")
		if len(records) != 2 || records[0][0] != want || records[1][0] != want || records[1][1] != "-1" {
			t.Fatalf("read back %q, want %q in column 1 of both rows", records, want)
		}
	})
}

package tabular

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

func writeXLSX(t testing.TB, tables ...Table) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, tables...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBack(t testing.TB, data []byte) *readBook {
	t.Helper()
	b, err := readXLSX(data)
	if err != nil {
		t.Fatalf("reading the workbook back: %v", err)
	}
	return b
}

// xmlCleaned is what text becomes in a workbook, by the rule the package
// documents: invalid UTF-8 runs become U+FFFD, characters outside XML 1.0's
// Char production are removed.
func xmlCleaned(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x9 || r == 0xA || r == 0xD || 0x20 <= r && r <= 0xD7FF ||
			0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// wantCells is what the reader should find for a table: a bold header row,
// then the rows, each cell with its type, value and number format.
func wantCells(tb Table) [][]readCell {
	var rows [][]readCell
	if len(tb.Columns) > 0 {
		var header []readCell
		for _, c := range tb.Columns {
			cell := readCell{format: "General", bold: true}
			if h := xmlCleaned(c.Header); h != "" {
				cell.kind, cell.value = "text", h
			}
			header = append(header, cell)
		}
		rows = append(rows, header)
	}
	for _, row := range tb.Rows {
		var cells []readCell
		for _, c := range row {
			var cell readCell
			switch c.kind {
			case kindText:
				if s := xmlCleaned(c.s); s != "" {
					cell = readCell{kind: "text", value: s, format: "General"}
				}
			case kindDecimal:
				format := "0"
				if i := strings.IndexByte(c.s, '.'); i >= 0 {
					format = "0." + strings.Repeat("0", len(c.s)-i-1)
				}
				if len(format) > 32 {
					format = "General"
				}
				cell = readCell{kind: "number", value: c.s, format: format}
			case kindInt:
				cell = readCell{kind: "number", value: strconv.FormatInt(c.n, 10), format: "0"}
			case kindDate:
				cell = readCell{kind: "date", value: c.String(), format: "yyyy-mm-dd"}
			}
			cells = append(cells, cell)
		}
		rows = append(rows, cells)
	}
	return rows
}

// trimGrid removes trailing empty cells and rows, which a workbook does not
// record.
func trimGrid(rows [][]readCell) [][]readCell {
	out := make([][]readCell, len(rows))
	for i, row := range rows {
		n := len(row)
		for n > 0 && row[n-1] == (readCell{}) {
			n--
		}
		out[i] = row[:n]
	}
	n := len(out)
	for n > 0 && len(out[n-1]) == 0 {
		n--
	}
	return out[:n]
}

// checkCells compares a sheet read back with the table written.
func checkCells(t testing.TB, got readSheet, table Table) {
	t.Helper()
	want, have := trimGrid(wantCells(table)), trimGrid(got.rows)
	if len(have) != len(want) {
		t.Errorf("sheet %q: %d rows, want %d", got.name, len(have), len(want))
	}
	for i := range min(len(have), len(want)) {
		if len(have[i]) != len(want[i]) {
			t.Errorf("sheet %q row %d: %d cells %+v, want %d %+v", got.name, i+1, len(have[i]), have[i], len(want[i]), want[i])
			continue
		}
		for j := range want[i] {
			if have[i][j] != want[i][j] {
				t.Errorf("sheet %q cell %s%d = %+v, want %+v", got.name, columnName(j), i+1, have[i][j], want[i][j])
			}
		}
	}
}

// sheetNameProblem says what is wrong with a sheet name by Excel's rules,
// or "" if nothing is.
func sheetNameProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case !utf8.ValidString(name):
		return "invalid UTF-8"
	case len(utf16.Encode([]rune(name))) > 31:
		return "longer than 31 characters"
	case strings.ContainsAny(name, `:\/?*[]`):
		return "has one of : \\ / ? * [ ]"
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return "starts or ends with an apostrophe"
	case strings.EqualFold(name, "History"):
		return "is the reserved name History"
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return "has a control character"
	case xmlCleaned(name) != name:
		return "has a character XML cannot hold"
	}
	return ""
}

func checkSheetNames(t testing.TB, b *readBook) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range b.sheets {
		if p := sheetNameProblem(s.name); p != "" {
			t.Errorf("sheet name %q: %s", s.name, p)
		}
		folded := strings.ToLower(s.name)
		if seen[folded] {
			t.Errorf("sheet name %q is used twice, ignoring case", s.name)
		}
		seen[folded] = true
	}
}

func TestWriteXLSXRoundTrip(t *testing.T) {
	visits := Table{
		Title: "拜访清单",
		Columns: []Column{
			{Header: "客户"}, {Header: "日期"}, {Header: "金额"}, {Header: "次数"}, {Header: "备注", Width: 40},
		},
		Rows: [][]Cell{
			{Text("上海某某贸易有限公司"), Date(2026, time.May, 7), MustDecimal("1245.83"), Int(3), Text("首次拜访\n带上合同")},
			{Text("张三"), Date(1900, time.January, 1), MustDecimal("-0.50"), Int(-7), Empty()},
			{Text("=1+1"), Date(9999, time.December, 31), MustDecimal("0"), Int(0), Text("-5")},
			{},
			{Text("  spaces kept  "), Empty(), MustDecimal("12.345"), Int(999999999999999), Text("")},
			{Empty(), Date(2024, time.February, 29), MustDecimal("100"), Int(-1000000000000000000)},
		},
	}
	noHeader := Table{
		Title: "raw",
		Rows: [][]Cell{
			{Int(1), Text("a")},
			{Text("b"), MustDecimal("0." + strings.Repeat("0", 29) + "1")}, // 30 places: format 0.000…
			{Text("c"), MustDecimal("0." + strings.Repeat("0", 30) + "1")}, // 31 places: General
		},
	}
	data := writeXLSX(t, visits, noHeader)
	b := readBack(t, data)
	if len(b.sheets) != 2 {
		t.Fatalf("%d sheets, want 2", len(b.sheets))
	}
	checkSheetNames(t, b)

	s := b.sheets[0]
	if s.name != "拜访清单" {
		t.Errorf("sheet name %q, want 拜访清单", s.name)
	}
	checkCells(t, s, visits)
	if s.frozenRows != 1 {
		t.Errorf("frozen rows = %d, want the header row frozen", s.frozenRows)
	}
	if !s.selected {
		t.Error("first sheet is not selected")
	}
	// Fitted widths: 10 Chinese characters are 20 wide, plus padding; dates
	// are 10; -1000000000000000000 is 20; the explicit width is kept.
	for j, want := range []float64{22, 12, 9, 22, 40} {
		if got := s.widths[j]; got != want {
			t.Errorf("width of column %s = %v, want %v", columnName(j), got, want)
		}
	}

	s = b.sheets[1]
	checkCells(t, s, noHeader)
	if s.frozenRows != 0 || s.selected {
		t.Errorf("sheet without columns: frozen rows %d, selected %v; want neither", s.frozenRows, s.selected)
	}
	if len(s.widths) != 2 {
		t.Errorf("sheet without columns has widths %v, want 2 fitted", s.widths)
	}
}

func TestWriteXLSXStyles(t *testing.T) {
	table := Table{Rows: [][]Cell{{
		Date(2026, time.May, 7), MustDecimal("1.5"), MustDecimal("1.50"), MustDecimal("-3"), Int(4),
		MustDecimal("0.1234"), MustDecimal("2.25"),
	}}}
	b := readBack(t, writeXLSX(t, table))
	row := b.sheets[0].rows[0]
	for j, want := range []string{"yyyy-mm-dd", "0.0", "0.00", "0", "0", "0.0000", "0.00"} {
		if row[j].format != want {
			t.Errorf("cell %s: number format %q, want %q", columnName(j), row[j].format, want)
		}
	}
	if row[0].kind != "date" || row[0].value != "2026-05-07" {
		t.Errorf("date cell read back as %+v", row[0])
	}

	// The date format is declared in styles.xml and the date cell's style
	// points at it.
	styles, err := b.read("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(styles, []byte(`formatCode="yyyy-mm-dd"`)) {
		t.Errorf("styles.xml has no yyyy-mm-dd format:\n%s", styles)
	}
}

func TestWriteXLSXEscaping(t *testing.T) {
	texts := []string{
		`<tag attr="v">&amp; 'single' "double"</tag>`,
		"]]> <![CDATA[x]]>",
		"bell\a nul\x00 esc\x1b vt\v ff\f end\x1f",
		"tab\there\nnewline\r\ncrlf\rcr",
		"\uFFFE\uFFFF non-characters removed, U+FFFD kept: \uFFFD",
		"invalid \xff\xfe utf-8 \xc3",
		"_x0041_ and _x005F_ and _x00e9_ look like Excel escapes; _x41_ and _X0041_ do not",
		"___x0041__x0042_",
		"emoji 😀 and 𠀀 outside the BMP",
		"C1 \u0085 control and \u00a0 nbsp",
		"   ",
		"&#xD; as text",
	}
	var rows [][]Cell
	for _, s := range texts {
		rows = append(rows, []Cell{Text(s)})
	}
	table := Table{Title: `a<b>&"c'd`, Columns: []Column{{Header: `<&>"'` + "\x01"}}, Rows: rows}
	b := readBack(t, writeXLSX(t, table))
	if got := b.sheets[0].name; got != `a<b>&"c'd` {
		t.Errorf("sheet name %q, want a<b>&\"c'd escaped and read back", got)
	}
	checkCells(t, b.sheets[0], table)

	// Spot checks that do not go through xmlCleaned.
	cells := b.sheets[0].rows
	for i, want := range map[int]string{
		0: `<&>"'`,
		3: "bell nul esc vt ff end",
		4: "tab\there\nnewline\r\ncrlf\rcr",
		6: "invalid \uFFFD utf-8 \uFFFD",
		7: texts[6],
	} {
		if got := cells[i][0].value; got != want {
			t.Errorf("row %d read back as %q, want %q", i+1, got, want)
		}
	}
}

func TestWriteXLSXChinese(t *testing.T) {
	table := Table{
		Title:   "2026年5月 工资单",
		Columns: []Column{{Header: "姓名"}, {Header: "部门"}, {Header: "实发工资（元）"}},
		Rows: [][]Cell{
			{Text("张三"), Text("浦东支行·公司金融部"), MustDecimal("12450.83")},
			{Text("欧阳娜娜"), Text("总行「零售」，备注：无"), MustDecimal("9800.00")},
			{Text("𠮷野家"), Text("繁體中文與简体中文"), MustDecimal("0.01")},
		},
	}
	b := readBack(t, writeXLSX(t, table))
	if b.sheets[0].name != table.Title {
		t.Errorf("sheet name %q, want %q", b.sheets[0].name, table.Title)
	}
	checkCells(t, b.sheets[0], table)
}

func TestSheetNames(t *testing.T) {
	long := strings.Repeat("长", 40)
	for _, c := range []struct {
		name   string
		titles []string
		want   []string
	}{
		{"kept", []string{"Visits", "拜访清单"}, []string{"Visits", "拜访清单"}},
		{"forbidden characters", []string{`2026/05: pay [draft]?*\x`}, []string{`2026_05_ pay _draft____x`}},
		{"empty becomes SheetN", []string{"a", "", "\x00\x01"}, []string{"a", "Sheet2", "Sheet3"}},
		{"apostrophes at the ends", []string{"'quoted'", "it's", "'''"}, []string{"quoted", "it's", "Sheet3"}},
		{"cut to 31", []string{long}, []string{strings.Repeat("长", 31)}},
		{"cut to 31 UTF-16 units", []string{strings.Repeat("😀", 20)}, []string{strings.Repeat("😀", 15)}},
		{"duplicates ignoring case", []string{"Pay", "pay", "PAY", "Pay (2)"}, []string{"Pay", "pay (2)", "PAY (3)", "Pay (2) (2)"}},
		{"duplicate long names cut for the suffix", []string{long, long}, []string{strings.Repeat("长", 31), strings.Repeat("长", 27) + " (2)"}},
		{"History is reserved", []string{"history", "History"}, []string{"history (2)", "History (3)"}},
		{"default name taken", []string{"Sheet2", ""}, []string{"Sheet2", "Sheet2 (2)"}},
		{"cut leaves an apostrophe", []string{strings.Repeat("x", 30) + "'y"}, []string{strings.Repeat("x", 30)}},
		{"control characters removed", []string{"a\tb\nc\x7f"}, []string{"abc"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := sheetNames(c.titles)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("sheetNames(%q) = %q, want %q", c.titles, got, c.want)
			}
			var tables []Table
			for _, title := range c.titles {
				tables = append(tables, Table{Title: title})
			}
			b := readBack(t, writeXLSX(t, tables...))
			checkSheetNames(t, b)
			for i, s := range b.sheets {
				if s.name != c.want[i] {
					t.Errorf("workbook sheet %d is named %q, want %q", i+1, s.name, c.want[i])
				}
			}
		})
	}
}

func TestWriteXLSXDeterministic(t *testing.T) {
	table := Table{
		Title:   "T",
		Columns: []Column{{Header: "a"}, {Header: "b"}},
		Rows:    [][]Cell{{Text("x"), MustDecimal("1.25")}, {Date(2026, 1, 2), Int(5)}},
	}
	first := writeXLSX(t, table, table)
	second := writeXLSX(t, table, table)
	if !bytes.Equal(first, second) {
		t.Fatal("two writes of the same tables differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(zipTime) {
			t.Errorf("%s modified %v, want the fixed %v", f.Name, f.Modified, zipTime)
		}
	}
	want := "[Content_Types].xml _rels/.rels xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml xl/worksheets/sheet1.xml xl/worksheets/sheet2.xml"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("parts %s, want %s", got, want)
	}
}

func TestWriteXLSXLimits(t *testing.T) {
	long := strings.Repeat("x", maxTextUnits)
	for _, c := range []struct {
		name   string
		tables []Table
		want   string // "" for no error
	}{
		{"no tables", nil, "at least one table"},
		{"row longer than columns", []Table{{Title: "T", Columns: []Column{{}}, Rows: [][]Cell{{Int(1), Int(2)}}}}, `table "T", row 1 has 2 cells`},
		{"negative width", []Table{{Columns: []Column{{Width: -1}}}}, "column 1: width -1"},
		{"NaN width", []Table{{Columns: []Column{{Width: math.NaN()}}}}, "width NaN"},
		{"width over 255", []Table{{Columns: []Column{{}, {Width: 256}}}}, "column 2: width 256"},
		{"width 255", []Table{{Columns: []Column{{Width: 255}}}}, ""},
		{"16 significant digits", []Table{{Rows: [][]Cell{{MustDecimal("99999999999999.99")}}}}, "row 1, column 1: decimal 99999999999999.99 has more than 15 significant digits"},
		{"15 significant digits", []Table{{Rows: [][]Cell{{MustDecimal("9999999999999.99"), MustDecimal("-100000000000000000000"), MustDecimal("0.000000000000000000001")}}}}, ""},
		{"18-digit ID number as an integer", []Table{{Rows: [][]Cell{{Text("x"), Int(310101199001011234)}}}}, "column 2: integer 310101199001011234 has more than 15 significant digits"},
		{"large round integer", []Table{{Rows: [][]Cell{{Int(9000000000000000000), Int(999999999999999)}}}}, ""},
		{"date before 1900", []Table{{Rows: [][]Cell{{Date(1899, time.December, 31)}}}}, "date 1899-12-31 is outside 1900-01-01 to 9999-12-31"},
		{"date after 9999", []Table{{Rows: [][]Cell{{Date(10000, time.January, 1)}}}}, "outside 1900-01-01"},
		{"text of 32767", []Table{{Rows: [][]Cell{{Text(long)}}}}, ""},
		{"text of 32767 after cleaning", []Table{{Rows: [][]Cell{{Text(long + "\x00\x01")}}}}, ""},
		{"text of 32768", []Table{{Rows: [][]Cell{{Text(long + "y")}}}}, "text of 32768 characters"},
		{"long header", []Table{{Columns: []Column{{Header: long + "y"}}}}, "header of column 1: text of 32768"},
		{"too many columns", []Table{{Rows: [][]Cell{make([]Cell, maxColumns+1)}}}, "16385 columns"},
		{"most columns", []Table{{Rows: [][]Cell{make([]Cell, maxColumns)}}}, ""},
		{"too many rows", []Table{{Columns: []Column{{}}, Rows: make([][]Cell, maxRows)}}, "1048577 rows with its header"},
		{"most rows", []Table{{Rows: make([][]Cell, maxRows)}}, ""},
		{"error in the second table", []Table{{}, {Title: "B", Rows: [][]Cell{{Empty(), Empty(), Date(1, 1, 1)}}}}, `table "B", row 1, column 3`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteXLSX(&buf, c.tables...)
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				readBack(t, buf.Bytes())
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// TestTextLimitCountsUTF16 checks that the limit on text counts UTF-16 code
// units, as Excel does: an emoji outside the BMP counts two.
func TestTextLimitCountsUTF16(t *testing.T) {
	s := strings.Repeat("x", maxTextUnits-2) + "😀"
	if err := WriteXLSX(&bytes.Buffer{}, Table{Rows: [][]Cell{{Text(s)}}}); err != nil {
		t.Errorf("32767 UTF-16 units rejected: %v", err)
	}
	if err := WriteXLSX(&bytes.Buffer{}, Table{Rows: [][]Cell{{Text("x" + s)}}}); err == nil {
		t.Error("32768 UTF-16 units accepted")
	}
}

func TestExcelSerial(t *testing.T) {
	for _, c := range []struct {
		date Cell
		want int64
	}{
		{Date(1900, time.January, 1), 1},
		{Date(1900, time.February, 28), 59},
		{Date(1900, time.March, 1), 61}, // 60 is Excel's phantom 1900-02-29
		{Date(1970, time.January, 1), 25569},
		{Date(2000, time.January, 1), 36526},
		{Date(2026, time.May, 31), 46173},
		{Date(9999, time.December, 31), 2958465},
	} {
		if got := excelSerial(c.date); got != c.want {
			t.Errorf("serial of %s = %d, want %d", c.date, got, c.want)
		}
		// And the reader, which counts its own way, agrees.
		if back, err := fromSerial(strconv.FormatInt(c.want, 10)); err != nil || back != c.date.String() {
			t.Errorf("reader reads serial %d as %q, %v; want %s", c.want, back, err, c.date)
		}
	}
}

func TestColumnName(t *testing.T) {
	for j, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD"} {
		if got := columnName(j); got != want {
			t.Errorf("columnName(%d) = %q, want %q", j, got, want)
		}
		if col, _, err := parseRef(want + "1"); err != nil || col != j {
			t.Errorf("reader parses %s1 as column %d, %v; want %d", want, col, err, j)
		}
	}
}

func TestAutoWidth(t *testing.T) {
	for _, c := range []struct {
		name  string
		cells []Cell
		want  float64
	}{
		{"minimum", []Cell{Int(1)}, minAutoWidth},
		{"ASCII", []Cell{Text("abcdefghij")}, 12},
		{"Chinese counts double", []Cell{Text("上海分行")}, 10},
		{"full-width punctuation", []Cell{Text("（元）")}, 8},
		{"widest line", []Cell{Text("short\nmuch longer line\nx")}, 18},
		{"widest cell", []Cell{Text("abc"), MustDecimal("-1234567.89"), Empty()}, 13},
		{"date", []Cell{Date(2026, 1, 1)}, 12},
		{"integers", []Cell{Int(-1000000000000000000), Int(0)}, 22},
		{"integer", []Cell{Int(1234567), Int(-99)}, 9},
		{"capped", []Cell{Text(strings.Repeat("长", 1000))}, maxAutoWidth},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := make([][]Cell, len(c.cells))
			for i, cell := range c.cells {
				rows[i] = []Cell{cell}
			}
			var places placesSet
			s, err := prepare(&Table{Rows: rows}, "x", &places)
			if err != nil {
				t.Fatal(err)
			}
			if s.widths[0] != c.want {
				t.Errorf("width %v, want %v", s.widths[0], c.want)
			}
		})
	}
}

// TestWriteXLSXLarge writes a sheet of 10,000 rows and checks it reads back
// completely; BenchmarkWriteXLSX measures the time.
func TestWriteXLSXLarge(t *testing.T) {
	table := largeTable(10000, 10)
	b := readBack(t, writeXLSX(t, table))
	checkCells(t, b.sheets[0], table)
}

func largeTable(rows, cols int) Table {
	t := Table{Title: "大表"}
	for j := range cols {
		t.Columns = append(t.Columns, Column{Header: fmt.Sprintf("列%d", j+1)})
	}
	for i := range rows {
		row := make([]Cell, cols)
		for j := range row {
			switch j % 5 {
			case 0:
				row[j] = Text(fmt.Sprintf("客户%d & <co>", i))
			case 1:
				row[j] = MustDecimal(fmt.Sprintf("%d.%02d", i*37, i%100))
			case 2:
				row[j] = Int(int64(i * j))
			case 3:
				row[j] = Date(2026, time.January, 1+i%365)
			default:
				row[j] = Text("备注")
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func BenchmarkWriteXLSX(b *testing.B) {
	table := largeTable(10000, 10)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteXLSX(&buf, table); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/file")
}

func BenchmarkWriteCSV(b *testing.B) {
	table := largeTable(10000, 10)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteCSV(&buf, table); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/file")
}

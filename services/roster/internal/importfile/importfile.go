// Package importfile reads the spreadsheets people import: CSV (UTF-8, with or
// without a byte-order mark) or XLSX (the first sheet), whose first row names the
// columns, in English or Chinese. It sniffs the format, matches headers to the
// columns a caller declares (with aliases), walks the data rows with their row
// numbers as a spreadsheet shows them, and collects problems — every one, so that a
// person can fix a file in one go. What a row means is the caller's business.
package importfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Format is a file format.
type Format string

// The formats read.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ErrUnreadable: the content is not a file of a format read here, or is damaged.
// The error's message says what was found and what to do.
var ErrUnreadable = errors.New("cannot read the file")

// Column is one column a file may have.
type Column struct {
	Key      string   // the canonical (English) header, e.g. "customer_code"
	Aliases  []string // other headers meaning the same, e.g. "客户编号", "code"
	Required bool     // the header must be present (cells are the caller's to check)
}

// Spec is what a caller reads.
type Spec struct {
	Columns []Column
	// AllowUnknown ignores columns that match none of Columns; by default they are
	// reported, so that a misspelt optional column is not silently dropped.
	AllowUnknown bool
	// MaxRows bounds the data rows; 0 means 100,000.
	MaxRows int
}

// Problem is one thing wrong with a file: a cell, a row or the header.
type Problem struct {
	Row    int    // row number as a spreadsheet shows it: 1 is the header row
	Column string // the column's key when the problem is one cell; "" for a row
	Reason string // what is wrong and what is expected
}

// Problems collects problems in the order found, up to a limit (default 5,000),
// after which one last problem says how many more there were.
type Problems struct {
	Max     int
	list    []Problem
	dropped int
	rows    map[int]bool
}

// Add records a problem.
func (p *Problems) Add(row int, column, format string, args ...any) {
	if p.rows == nil {
		p.rows = map[int]bool{}
	}
	p.rows[row] = true
	limit := p.Max
	if limit <= 0 {
		limit = 5000
	}
	if len(p.list) >= limit {
		p.dropped++
		return
	}
	p.list = append(p.list, Problem{Row: row, Column: column, Reason: fmt.Sprintf(format, args...)})
}

// Len is how many problems were found.
func (p *Problems) Len() int { return len(p.list) + p.dropped }

// BadRows is how many distinct rows have problems.
func (p *Problems) BadRows() int { return len(p.rows) }

// List is the problems in row order (stable: within a row, in the order found),
// ending with a note when some were left out.
func (p *Problems) List() []Problem {
	out := slices.Clone(p.list)
	slices.SortStableFunc(out, func(a, b Problem) int { return a.Row - b.Row })
	if p.dropped > 0 {
		out = append(out, Problem{Reason: fmt.Sprintf("%d more problems not listed; fix the ones above and check the file again", p.dropped)})
	}
	return out
}

// File is a file read against a Spec: its header and data rows. Blank rows are
// skipped (their numbers are not reused).
type File struct {
	Format Format
	Rows   []Row
	index  map[string]int // column key → cell position
}

// Has reports whether the file has the column key.
func (f *File) Has(key string) bool { _, ok := f.index[key]; return ok }

// Row is one data row.
type Row struct {
	Number int // as a spreadsheet shows it: the first data row is 2
	cells  []string
	file   *File
}

// Get is the row's cell in column key, trimmed; "" when the file lacks the column.
func (r Row) Get(key string) string {
	i, ok := r.file.index[key]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// Read parses content. format is "csv", "xlsx" or "" (guess from the content).
// A file that cannot be read at all answers an error wrapping ErrUnreadable; a
// readable file answers its rows and the problems found with its header (missing
// required columns, unknown or repeated columns: then it has no rows) or with the
// shape of its rows (more cells than headers, too many rows).
func Read(content []byte, format string, spec Spec) (*File, *Problems, error) {
	f, err := Sniff(content, format)
	if err != nil {
		return nil, nil, err
	}
	var records iterator
	switch f {
	case CSV:
		records, err = csvRecords(content)
	case XLSX:
		records, err = xlsxRecords(content)
	}
	if err != nil {
		return nil, nil, err
	}
	defer records.close()
	return read(f, records, spec)
}

// Sniff decides the format: the one declared (checked against the content), else
// XLSX for a ZIP container and CSV for UTF-8 text.
func Sniff(content []byte, declared string) (Format, error) {
	isZip := bytes.HasPrefix(content, []byte("PK\x03\x04"))
	isOLE := bytes.HasPrefix(content, []byte{0xD0, 0xCF, 0x11, 0xE0})
	switch {
	case len(content) == 0:
		return "", fmt.Errorf("%w: the file is empty; send a CSV or XLSX file whose first row holds the column headers", ErrUnreadable)
	case isOLE:
		return "", fmt.Errorf("%w: this looks like a legacy Excel .xls file (or an encrypted workbook); save it as .xlsx or as CSV UTF-8", ErrUnreadable)
	}
	switch strings.ToLower(strings.TrimSpace(declared)) {
	case "":
		if isZip {
			return XLSX, nil
		}
		return CSV, nil
	case "xlsx":
		if !isZip {
			return "", fmt.Errorf("%w: format is xlsx but the content is not an XLSX workbook; send the .xlsx file itself, or say csv", ErrUnreadable)
		}
		return XLSX, nil
	case "csv":
		if isZip {
			return "", fmt.Errorf("%w: format is csv but the content is a ZIP container (an XLSX workbook?); say xlsx or leave format empty", ErrUnreadable)
		}
		return CSV, nil
	}
	return "", fmt.Errorf("%w: format %q is not known: use csv, xlsx or leave it empty to guess", ErrUnreadable, declared)
}

// iterator yields the records of a file, each with its row number.
type iterator interface {
	next() (row int, cells []string, err error) // io.EOF at the end
	close()
}

func read(format Format, records iterator, spec Spec) (*File, *Problems, error) {
	problems := &Problems{}
	file := &File{Format: format, index: map[string]int{}}
	var header []string
	headerRow := 0
	for {
		row, cells, err := records.next()
		if err == io.EOF {
			problems.Add(1, "", "the file has no header row; the first row must name the columns: %s", keyList(spec.Columns))
			return file, problems, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if !blank(cells) {
			header, headerRow = cells, row
			break
		}
	}
	if headerRow != 1 {
		problems.Add(headerRow, "", "the header must be the first row of the file, but rows 1 to %d are blank; delete them", headerRow-1)
		return file, problems, nil
	}
	lookup := map[string]string{} // normalised header → key
	for _, c := range spec.Columns {
		lookup[normalise(c.Key)] = c.Key
		for _, a := range c.Aliases {
			lookup[normalise(a)] = c.Key
		}
	}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue // an unnamed column: its cells must be empty (checked per row)
		}
		key, ok := lookup[normalise(h)]
		switch {
		case !ok && !spec.AllowUnknown:
			problems.Add(1, "", "column %q is not known; the columns are %s; rename or delete it", strings.TrimSpace(h), keyList(spec.Columns))
		case !ok:
		case file.Has(key):
			problems.Add(1, key, "column %s appears twice (as %q and %q); keep one", key, strings.TrimSpace(header[file.index[key]]), strings.TrimSpace(h))
		default:
			file.index[key] = i
		}
	}
	for _, c := range spec.Columns {
		if c.Required && !file.Has(c.Key) {
			name := c.Key
			if len(c.Aliases) > 0 {
				name += " (" + c.Aliases[0] + ")"
			}
			problems.Add(1, c.Key, "required column %s is missing from the header row", name)
		}
	}
	if problems.Len() > 0 {
		return file, problems, nil
	}
	maxRows := spec.MaxRows
	if maxRows <= 0 {
		maxRows = 100000
	}
	for {
		row, cells, err := records.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if blank(cells) {
			continue
		}
		if len(file.Rows) == maxRows {
			problems.Add(row, "", "the file has more than %d data rows; split it into several files", maxRows)
			file.Rows = nil
			return file, problems, nil
		}
		for i := len(header); i < len(cells); i++ {
			if strings.TrimSpace(cells[i]) != "" {
				problems.Add(row, "", "cell %d holds %q but the header has only %d columns; delete it or name its column", i+1, clip(cells[i]), len(header))
				break
			}
		}
		for i := 0; i < len(header) && i < len(cells); i++ {
			if !spec.AllowUnknown && strings.TrimSpace(header[i]) == "" && strings.TrimSpace(cells[i]) != "" {
				problems.Add(row, "", "cell %d holds %q but its column has no header; delete it or name its column", i+1, clip(cells[i]))
				break
			}
		}
		file.Rows = append(file.Rows, Row{Number: row, cells: cells, file: file})
	}
	return file, problems, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// normalise makes headers comparable: trimmed, lower case, a required-field star
// dropped, spaces and hyphens as underscores.
func normalise(h string) string {
	h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
	h = strings.TrimSpace(strings.Trim(h, "*＊"))
	h = strings.ToLower(h)
	return strings.NewReplacer(" ", "_", "-", "_", "\u3000", "_").Replace(h)
}

func keyList(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Key
		if len(c.Aliases) > 0 {
			names[i] += " (" + c.Aliases[0] + ")"
		}
	}
	return strings.Join(names, ", ")
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// --- CSV ---

type csvIterator struct {
	r       *csv.Reader
	row     int // the last record's row number
	endLine int // the line the last record ended on
}

func csvRecords(content []byte) (iterator, error) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF"))
	if !utf8.Valid(content) {
		return nil, fmt.Errorf("%w: the CSV file is not UTF-8 (Excel on Chinese Windows saves CSV as GBK); save it as \"CSV UTF-8\" or as .xlsx", ErrUnreadable)
	}
	r := csv.NewReader(bytes.NewReader(content))
	r.FieldsPerRecord = -1 // ragged rows are checked against the header, with row numbers
	if firstLine, _, _ := bytes.Cut(content, []byte("\n")); !bytes.ContainsRune(firstLine, ',') {
		switch {
		case bytes.ContainsRune(firstLine, '\t'):
			r.Comma = '\t'
		case bytes.ContainsRune(firstLine, ';'):
			r.Comma = ';'
		}
	}
	return &csvIterator{r: r}, nil
}

// next numbers records as a spreadsheet shows the file: encoding/csv skips blank
// lines, which are rows there, and a quoted cell may span lines within one row.
func (it *csvIterator) next() (int, []string, error) {
	rec, err := it.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return 0, nil, fmt.Errorf("%w: the CSV file is malformed at line %d, column %d (%v); put cells holding quotes, commas or line breaks in double quotes, with quotes inside doubled (\"\")",
			ErrUnreadable, pe.Line, pe.Column, pe.Err)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	start, _ := it.r.FieldPos(0)
	it.row += start - it.endLine // one row per line since the last record ended, blank ones included
	last := len(rec) - 1
	line, _ := it.r.FieldPos(last)
	it.endLine = line + strings.Count(rec[last], "\n")
	return it.row, rec, nil
}

func (it *csvIterator) close() {}

// --- XLSX ---

type xlsxIterator struct {
	f    *excelize.File
	rows *excelize.Rows
	row  int
}

func xlsxRecords(content []byte) (iterator, error) {
	f, err := excelize.OpenReader(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("%w: the XLSX workbook cannot be opened (%v); save it again from Excel or WPS", ErrUnreadable, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fmt.Errorf("%w: the workbook has no sheets", ErrUnreadable)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: the first sheet %q cannot be read (%v)", ErrUnreadable, sheets[0], err)
	}
	return &xlsxIterator{f: f, rows: rows}, nil
}

func (it *xlsxIterator) next() (int, []string, error) {
	if !it.rows.Next() {
		if err := it.rows.Error(); err != nil {
			return 0, nil, fmt.Errorf("%w: sheet row %d cannot be read (%v)", ErrUnreadable, it.row+1, err)
		}
		return 0, nil, io.EOF
	}
	it.row++
	// Raw values: numbers keep their full precision whatever the cell's display
	// format; dates come as Excel serial numbers (see ParseDate).
	cells, err := it.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, fmt.Errorf("%w: sheet row %d cannot be read (%v)", ErrUnreadable, it.row, err)
	}
	return it.row, cells, nil
}

func (it *xlsxIterator) close() {
	_ = it.rows.Close()
	_ = it.f.Close()
}

package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// utf8BOM is the byte order mark Excel needs to read a CSV file as UTF-8
// rather than in the machine's ANSI code page (GBK on Chinese Windows).
const utf8BOM = "\uFEFF"

// WriteCSV writes t as RFC 4180 CSV: UTF-8 with a byte order mark, CRLF
// line ends, fields quoted where needed (see [encoding/csv]), the header row
// first if t has columns, and every row padded to the table's width. The
// title is not written.
//
// Text is written as it is, except that invalid UTF-8 is replaced with
// U+FFFD, line breaks inside a cell are written as CRLF (a lone CR is
// dropped, as encoding/csv does) and, to keep spreadsheet programs from
// running it as a formula, text that starts with = + - @, a tab or a
// carriage return gets a leading apostrophe (the OWASP advice on CSV
// injection). Decimals and integers are written as they are and never get
// the apostrophe, so negative numbers stay numbers. Dates are YYYY-MM-DD
// and must be in the years 1 to 9999.
//
// WriteCSV checks the whole table before writing; an error that is not a
// write error means nothing was written.
func WriteCSV(w io.Writer, t Table) error {
	width, err := t.width()
	if err != nil {
		return err
	}
	for i, row := range t.Rows {
		for j, c := range row {
			if c.kind == kindDate && (c.n < 1 || c.n > 9999) {
				return t.cellError(i, j, fmt.Errorf("date %s is outside the years 1 to 9999", c))
			}
		}
	}

	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	record := make([]string, width)
	if len(t.Columns) > 0 {
		for j, col := range t.Columns {
			record[j] = csvText(col.Header)
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	for _, row := range t.Rows {
		for j := range record {
			record[j] = ""
			if j < len(row) {
				record[j] = csvField(row[j])
			}
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvField is the CSV field of c.
func csvField(c Cell) string {
	if c.kind == kindText {
		return csvText(c.s)
	}
	return c.String()
}

// csvText is text as a CSV field: valid UTF-8, guarded against formula
// injection.
func csvText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

package tabular

import (
	"fmt"
	"math"
	"mime"
	"strings"
)

// Content types for HTTP downloads of what [WriteCSV] and [WriteXLSX] write.
const (
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// A Table is one sheet: a title, column headers and rows of cells.
type Table struct {
	// Title is the sheet name in a workbook; WriteXLSX makes it a valid,
	// unique Excel sheet name. CSV has no place for it.
	Title string
	// Columns are the columns with their headers. With no columns there is
	// no header row; otherwise no row may have more cells than there are
	// columns.
	Columns []Column
	// Rows are the data rows. A row shorter than the table is padded with
	// empty cells.
	Rows [][]Cell
}

// A Column is a column of a table.
type Column struct {
	// Header is the text of the column's header cell.
	Header string
	// Width is the XLSX column width in characters, at most 255. Zero means
	// a width fitted to the header and the cells, counting Chinese and other
	// wide characters as two.
	Width float64
}

// width is the number of columns of t, after checking that no row is longer
// than the declared columns.
func (t *Table) width() (int, error) {
	if len(t.Columns) > 0 {
		for i, row := range t.Rows {
			if len(row) > len(t.Columns) {
				return 0, fmt.Errorf("tabular: table %q, row %d has %d cells but the table has %d columns", t.Title, i+1, len(row), len(t.Columns))
			}
		}
		return len(t.Columns), nil
	}
	n := 0
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	return n, nil
}

// checkWidths checks the columns' declared widths.
func (t *Table) checkWidths() error {
	for j, c := range t.Columns {
		if math.IsNaN(c.Width) || c.Width < 0 || c.Width > maxColumnWidth {
			return fmt.Errorf("tabular: table %q, column %d: width %v is not between 0 and %d", t.Title, j+1, c.Width, maxColumnWidth)
		}
	}
	return nil
}

// cellError reports a problem with the cell of t at data row i, column j
// (both counted from 0).
func (t *Table) cellError(i, j int, err error) error {
	return fmt.Errorf("tabular: table %q, row %d, column %d: %w", t.Title, i+1, j+1, err)
}

// ContentDisposition is a Content-Disposition header value that makes a
// browser save the response as filename, which may contain Chinese: it is
// encoded as RFC 6266 and RFC 8187 prescribe. Path separators and control
// characters in filename are replaced with underscores.
func ContentDisposition(filename string) string {
	filename = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(filename, "_"))
	if filename == "" {
		filename = "download"
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": filename})
}

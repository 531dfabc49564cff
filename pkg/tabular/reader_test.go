package tabular

// A small XLSX reader for the tests, written from the Office Open XML
// conventions rather than from the writer: it follows the package's
// relationships and content types, resolves cell styles to number formats
// and fonts, and returns every cell with its type and value. It is the
// authority the XLSX tests check the writer against.

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
)

// readCell is a cell as a spreadsheet program would see it.
type readCell struct {
	kind   string // "text", "number", "date"; "" for no cell
	value  string // the text, the number as stored, the date as YYYY-MM-DD
	format string // number format code ("General" for text)
	bold   bool
}

type readSheet struct {
	name       string
	part       string
	rows       [][]readCell // by row, then column, both from 0
	frozenRows int          // rows frozen at the top
	widths     map[int]float64
	selected   bool
}

type readBook struct {
	sheets []readSheet
	parts  map[string]*zip.File
}

// Content types of the parts the reader needs.
const (
	ctWorkbook  = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	ctWorksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	ctStyles    = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
	ctRels      = "application/vnd.openxmlformats-package.relationships+xml"

	relOfficeDocument = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
	relWorksheet      = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
	relStyles         = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
)

// builtinFormats are the built-in number formats the reader knows.
var builtinFormats = map[int]string{0: "General", 1: "0", 2: "0.00", 14: "mm-dd-yy"}

func readXLSX(data []byte) (*readBook, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	b := &readBook{parts: map[string]*zip.File{}}
	for _, f := range zr.File {
		if _, dup := b.parts[f.Name]; dup {
			return nil, fmt.Errorf("part %s appears twice", f.Name)
		}
		b.parts[f.Name] = f
	}

	var types struct {
		Defaults []struct {
			Extension   string `xml:"Extension,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Default"`
		Overrides []struct {
			PartName    string `xml:"PartName,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	if err := b.decode("[Content_Types].xml", &types); err != nil {
		return nil, err
	}
	contentType := func(part string) string {
		for _, o := range types.Overrides {
			if o.PartName == "/"+part {
				return o.ContentType
			}
		}
		for _, d := range types.Defaults {
			if strings.EqualFold(d.Extension, strings.TrimPrefix(path.Ext(part), ".")) {
				return d.ContentType
			}
		}
		return ""
	}
	for name := range b.parts {
		if name != "[Content_Types].xml" && contentType(name) == "" {
			return nil, fmt.Errorf("part %s has no content type", name)
		}
	}

	root, err := b.rels("")
	if err != nil {
		return nil, err
	}
	wbPart := root.target(relOfficeDocument)
	if wbPart == "" || contentType(wbPart) != ctWorkbook {
		return nil, fmt.Errorf("no workbook part of type %s (found %q)", ctWorkbook, wbPart)
	}
	var wb struct {
		Sheets []struct {
			Name    string `xml:"name,attr"`
			SheetID int    `xml:"sheetId,attr"`
			RID     string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := b.decode(wbPart, &wb); err != nil {
		return nil, err
	}
	wbRels, err := b.rels(wbPart)
	if err != nil {
		return nil, err
	}
	stylesPart := wbRels.target(relStyles)
	if stylesPart == "" || contentType(stylesPart) != ctStyles {
		return nil, fmt.Errorf("no styles part of type %s (found %q)", ctStyles, stylesPart)
	}
	styles, err := b.styles(stylesPart)
	if err != nil {
		return nil, err
	}

	ids := map[int]bool{}
	for _, s := range wb.Sheets {
		if s.SheetID <= 0 || ids[s.SheetID] {
			return nil, fmt.Errorf("sheet %q has a missing or repeated sheetId %d", s.Name, s.SheetID)
		}
		ids[s.SheetID] = true
		rel, ok := wbRels.byID[s.RID]
		if !ok || rel.Type != relWorksheet {
			return nil, fmt.Errorf("sheet %q: relationship %q is not a worksheet", s.Name, s.RID)
		}
		if ct := contentType(rel.part); ct != ctWorksheet {
			return nil, fmt.Errorf("sheet %q: part %s has content type %q", s.Name, rel.part, ct)
		}
		sheet, err := b.sheet(rel.part, styles)
		if err != nil {
			return nil, fmt.Errorf("sheet %q: %w", s.Name, err)
		}
		sheet.name = s.Name
		b.sheets = append(b.sheets, sheet)
	}
	return b, nil
}

// read returns the bytes of a part.
func (b *readBook) read(part string) ([]byte, error) {
	f, ok := b.parts[part]
	if !ok {
		return nil, fmt.Errorf("no part %s", part)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// decode parses a part as XML into v, strictly.
func (b *readBook) decode(part string, v any) error {
	data, err := b.read(part)
	if err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", part, err)
	}
	return nil
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
	part   string // the target resolved to a part name
}

type relationships struct{ byID map[string]relationship }

// rels reads the relationships of a part ("" for the package).
func (b *readBook) rels(source string) (relationships, error) {
	dir, file := path.Split(source)
	var doc struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := b.decode(path.Join(dir, "_rels", file+".rels"), &doc); err != nil {
		return relationships{}, err
	}
	out := relationships{byID: map[string]relationship{}}
	for _, r := range doc.Rels {
		if _, dup := out.byID[r.ID]; dup {
			return relationships{}, fmt.Errorf("relationship id %s repeated", r.ID)
		}
		if strings.HasPrefix(r.Target, "/") {
			r.part = strings.TrimPrefix(r.Target, "/")
		} else {
			r.part = path.Join(dir, r.Target)
		}
		if _, ok := b.parts[r.part]; !ok {
			return relationships{}, fmt.Errorf("relationship %s targets missing part %s", r.ID, r.part)
		}
		out.byID[r.ID] = r
	}
	return out, nil
}

func (r relationships) target(typ string) string {
	for _, rel := range r.byID {
		if rel.Type == typ {
			return rel.part
		}
	}
	return ""
}

// readStyle is a cell style resolved to what the tests look at.
type readStyle struct {
	format string
	bold   bool
}

func (b *readBook) styles(part string) ([]readStyle, error) {
	var doc struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Fonts []struct {
			Bold *struct{} `xml:"b"`
		} `xml:"fonts>font"`
		CellXfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
			FontID   int `xml:"fontId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := b.decode(part, &doc); err != nil {
		return nil, err
	}
	formats := map[int]string{}
	for id, code := range builtinFormats {
		formats[id] = code
	}
	for _, f := range doc.NumFmts {
		formats[f.ID] = f.Code
	}
	var out []readStyle
	for i, xf := range doc.CellXfs {
		code, ok := formats[xf.NumFmtID]
		if !ok {
			return nil, fmt.Errorf("cell style %d: unknown number format %d", i, xf.NumFmtID)
		}
		if xf.FontID < 0 || xf.FontID >= len(doc.Fonts) {
			return nil, fmt.Errorf("cell style %d: no font %d", i, xf.FontID)
		}
		out = append(out, readStyle{format: code, bold: doc.Fonts[xf.FontID].Bold != nil})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cell styles")
	}
	return out, nil
}

type xmlCell struct {
	Ref   string  `xml:"r,attr"`
	Type  string  `xml:"t,attr"`
	Style int     `xml:"s,attr"`
	V     *string `xml:"v"`
	F     *string `xml:"f"`
	IS    *struct {
		T *struct {
			Space string `xml:"http://www.w3.org/XML/1998/namespace space,attr"`
			Text  string `xml:",chardata"`
		} `xml:"t"`
	} `xml:"is"`
}

func (b *readBook) sheet(part string, styles []readStyle) (readSheet, error) {
	var doc struct {
		Views []struct {
			Selected bool `xml:"tabSelected,attr"`
			Pane     *struct {
				YSplit  int    `xml:"ySplit,attr"`
				TopLeft string `xml:"topLeftCell,attr"`
				State   string `xml:"state,attr"`
			} `xml:"pane"`
		} `xml:"sheetViews>sheetView"`
		Cols []struct {
			Min   int     `xml:"min,attr"`
			Max   int     `xml:"max,attr"`
			Width float64 `xml:"width,attr"`
		} `xml:"cols>col"`
		Rows []struct {
			R     int       `xml:"r,attr"`
			Cells []xmlCell `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := b.decode(part, &doc); err != nil {
		return readSheet{}, err
	}
	s := readSheet{part: part, widths: map[int]float64{}}
	for _, v := range doc.Views {
		s.selected = s.selected || v.Selected
		if p := v.Pane; p != nil && p.State == "frozen" {
			if p.TopLeft != "A"+strconv.Itoa(p.YSplit+1) {
				return s, fmt.Errorf("frozen pane of %d rows has top left cell %s", p.YSplit, p.TopLeft)
			}
			s.frozenRows = p.YSplit
		}
	}
	for _, c := range doc.Cols {
		if c.Min < 1 || c.Max < c.Min {
			return s, fmt.Errorf("col min=%d max=%d", c.Min, c.Max)
		}
		for j := c.Min - 1; j < c.Max; j++ {
			if _, dup := s.widths[j]; dup {
				return s, fmt.Errorf("column %d has two widths", j+1)
			}
			s.widths[j] = c.Width
		}
	}

	lastRow := 0
	for _, row := range doc.Rows {
		if row.R <= lastRow {
			return s, fmt.Errorf("row %d after row %d", row.R, lastRow)
		}
		lastRow = row.R
		lastCol := -1
		for _, c := range row.Cells {
			col, r, err := parseRef(c.Ref)
			if err != nil {
				return s, err
			}
			if r != row.R || col <= lastCol {
				return s, fmt.Errorf("cell %s out of place in row %d", c.Ref, row.R)
			}
			lastCol = col
			if c.Style < 0 || c.Style >= len(styles) {
				return s, fmt.Errorf("cell %s: no style %d", c.Ref, c.Style)
			}
			cell, err := readValue(c, styles[c.Style])
			if err != nil {
				return s, fmt.Errorf("cell %s: %w", c.Ref, err)
			}
			for len(s.rows) < r {
				s.rows = append(s.rows, nil)
			}
			cells := s.rows[r-1]
			for len(cells) <= col {
				cells = append(cells, readCell{})
			}
			cells[col] = cell
			s.rows[r-1] = cells
		}
	}
	return s, nil
}

// readValue is the value of a cell element with its style.
func readValue(c xmlCell, style readStyle) (readCell, error) {
	out := readCell{format: style.format, bold: style.bold}
	if c.F != nil {
		return out, fmt.Errorf("cell has a formula %q", *c.F)
	}
	switch c.Type {
	case "inlineStr":
		if c.IS == nil || c.IS.T == nil || c.V != nil {
			return out, fmt.Errorf("inline string without <is><t> or with <v>")
		}
		text := c.IS.T.Text
		if strings.TrimSpace(text) != text && c.IS.T.Space != "preserve" {
			return out, fmt.Errorf("text %q with spaces at an end lacks xml:space=\"preserve\", so Excel would trim it", text)
		}
		out.kind, out.value = "text", decodeExcelEscapes(text)
		return out, nil
	case "", "n":
		if c.IS != nil {
			return out, fmt.Errorf("number with <is>")
		}
		if c.V == nil {
			if out.bold { // a styled empty cell, as in an empty header
				return out, nil
			}
			return out, fmt.Errorf("empty cell written without a reason")
		}
		if _, err := strconv.ParseFloat(*c.V, 64); err != nil {
			return out, fmt.Errorf("value %q is not a number: %w", *c.V, err)
		}
		if isDateFormat(style.format) {
			d, err := fromSerial(*c.V)
			if err != nil {
				return out, err
			}
			out.kind, out.value = "date", d
			return out, nil
		}
		out.kind, out.value = "number", *c.V
		return out, nil
	}
	return out, fmt.Errorf("unexpected cell type %q", c.Type)
}

// isDateFormat reports whether a number format shows dates, the way
// spreadsheet readers guess it: it has a y, m or d outside quotes and
// brackets.
func isDateFormat(code string) bool {
	quoted, bracket := false, false
	for _, r := range code {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case bracket:
		case strings.ContainsRune("ymdYMD", r):
			return true
		}
	}
	return false
}

// fromSerial turns an Excel 1900-system serial number of a whole day into
// YYYY-MM-DD.
func fromSerial(v string) (string, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return "", fmt.Errorf("date serial %q is not a whole number", v)
	}
	switch {
	case n < 1:
		return "", fmt.Errorf("date serial %d is before 1900-01-01", n)
	case n == 60:
		return "", fmt.Errorf("date serial 60 is Excel's 1900-02-29, which does not exist")
	case n < 60:
		n++ // serials 1 … 59 count from 1899-12-31
	}
	return time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly), nil
}

// parseRef splits a cell reference such as "AB12" into a column from 0 and
// a row from 1.
func parseRef(ref string) (col, row int, err error) {
	i := 0
	for i < len(ref) && 'A' <= ref[i] && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i == 0 || i > 3 || i == len(ref) || ref[i] == '0' {
		return 0, 0, fmt.Errorf("bad cell reference %q", ref)
	}
	row, err = strconv.Atoi(ref[i:])
	if err != nil || row < 1 {
		return 0, 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return col - 1, row, nil
}

// decodeExcelEscapes replaces Excel's _xHHHH_ escapes in string content with
// the characters they stand for.
func decodeExcelEscapes(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				out.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		out.WriteByte(s[i])
		i++
	}
	return out.String()
}

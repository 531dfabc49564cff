package tabular

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Excel's limits (Excel specifications and limits, Microsoft).
const (
	maxRows      = 1 << 20 // rows on a worksheet, the header row included
	maxColumns   = 1 << 14 // columns on a worksheet
	maxTextUnits = 32767   // UTF-16 code units in a cell
	maxDigits    = 15      // significant digits Excel keeps of a number
	maxPlaces    = 30      // decimal places a number format can show
)

// zipTime is the modification time of every part of a workbook: a constant,
// so that the same tables always give the same bytes. It is the earliest
// time a zip file can record.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// Cell styles: indexes into cellXfs in styles.xml. Numbers get a style per
// number of decimal places, from styleNumber on, in increasing order of
// places.
const (
	styleNormal = 0
	styleHeader = 1 // bold
	styleDate   = 2 // yyyy-mm-dd
	styleNumber = 3
)

// Number formats: 1 and 2 are built in ("0" and "0.00"); custom ones are
// numbered from 164.
const (
	numFmtDate        = 164
	numFmtFirstCustom = 165
)

// sheet is a table checked and ready to write.
type sheet struct {
	*Table
	name   string
	width  int       // columns
	widths []float64 // column widths, in characters
}

// WriteXLSX writes the tables as an Office Open XML workbook (.xlsx), one
// worksheet per table, in order. There must be at least one table.
//
// Sheet names are the tables' titles made valid and unique the way Excel
// requires: the characters : \ / ? * [ ] become underscores, control
// characters are removed, names are cut to 31 characters, apostrophes at
// either end are removed, an empty title becomes SheetN (N the sheet's
// position) and a name already used, ignoring case, or the reserved name
// History gets " (2)", " (3)" … appended.
//
// A table with columns gets a bold header row, frozen so that it stays in
// view when scrolling. Column widths are the columns' Width, or fitted to
// the content.
//
// Text is written as inline strings, never as formulas. Invalid UTF-8 is
// replaced with U+FFFD and characters XML 1.0 cannot hold (the C0 controls
// other than tab, line feed and carriage return; U+FFFE; U+FFFF) are left
// out. Empty text is an empty cell. Decimals and integers are numbers,
// shown with as many decimal places as the decimal was written with (up to
// 30; beyond, in the General format).
// Dates are date serial numbers shown as yyyy-mm-dd.
//
// WriteXLSX reports as errors, before writing anything, what Excel would
// reject or silently change: more than 1,048,576 rows (header included) or
// 16,384 columns, text longer than 32,767 characters, a number with more
// than 15 significant digits (write identifiers as text; round decimals),
// and a date outside 1900-01-01 to 9999-12-31.
func WriteXLSX(w io.Writer, tables ...Table) error {
	if len(tables) == 0 {
		return errors.New("tabular: a workbook needs at least one table")
	}
	titles := make([]string, len(tables))
	for i := range tables {
		titles[i] = tables[i].Title
	}
	names := sheetNames(titles)
	sheets := make([]sheet, len(tables))
	var places placesSet
	for i := range tables {
		s, err := prepare(&tables[i], names[i], &places)
		if err != nil {
			return err
		}
		sheets[i] = s
	}
	numberStyles := places.styles()

	parts := []part{
		{"[Content_Types].xml", func(b *bufio.Writer) error { return writeContentTypes(b, len(sheets)) }},
		{"_rels/.rels", writeRootRels},
		{"xl/workbook.xml", func(b *bufio.Writer) error { return writeWorkbook(b, sheets) }},
		{"xl/_rels/workbook.xml.rels", func(b *bufio.Writer) error { return writeWorkbookRels(b, len(sheets)) }},
		{"xl/styles.xml", func(b *bufio.Writer) error { return writeStyles(b, numberStyles) }},
	}
	for i := range sheets {
		parts = append(parts, part{sheetPath(i), func(b *bufio.Writer) error {
			return writeSheet(b, &sheets[i], i == 0, numberStyles)
		}})
	}
	z := zip.NewWriter(w)
	for _, p := range parts {
		f, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return err
		}
		b := bufio.NewWriterSize(f, 64<<10)
		if err := p.write(b); err != nil {
			return err
		}
		if err := b.Flush(); err != nil {
			return err
		}
	}
	return z.Close()
}

// A part is a file of the package (the zip archive) and how to write it.
// Write errors stick in the bufio.Writer, so a part's write function may
// ignore those of all but its last write.
type part struct {
	name  string
	write func(*bufio.Writer) error
}

// sheetPath is the name in the package of the ith worksheet, from 0.
func sheetPath(i int) string { return "xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml" }

// prepare checks t against Excel's limits, works out its column widths and
// adds the decimal places of its numbers to places.
func prepare(t *Table, name string, places *placesSet) (sheet, error) {
	width, err := t.width()
	if err != nil {
		return sheet{}, err
	}
	if err := t.checkWidths(); err != nil {
		return sheet{}, err
	}
	if width > maxColumns {
		return sheet{}, fmt.Errorf("tabular: table %q has %d columns; a worksheet holds at most %d", t.Title, width, maxColumns)
	}
	if rows := len(t.Rows) + min(len(t.Columns), 1); rows > maxRows {
		return sheet{}, fmt.Errorf("tabular: table %q has %d rows with its header; a worksheet holds at most %d", t.Title, rows, maxRows)
	}

	chars := make([]int, width)
	for j, col := range t.Columns {
		if err := checkText(col.Header); err != nil {
			return sheet{}, fmt.Errorf("tabular: table %q, header of column %d: %w", t.Title, j+1, err)
		}
		if col.Width == 0 {
			chars[j] = textChars(col.Header)
		}
	}
	for i, row := range t.Rows {
		for j, c := range row {
			if err := checkCell(c, places); err != nil {
				return sheet{}, t.cellError(i, j, err)
			}
			if chars[j] < maxAutoWidth && (j >= len(t.Columns) || t.Columns[j].Width == 0) {
				chars[j] = max(chars[j], cellChars(c))
			}
		}
	}
	widths := make([]float64, width)
	for j := range widths {
		if j < len(t.Columns) && t.Columns[j].Width != 0 {
			widths[j] = t.Columns[j].Width
		} else {
			widths[j] = autoWidth(chars[j])
		}
	}
	return sheet{Table: t, name: name, width: width, widths: widths}, nil
}

// checkCell checks c against Excel's limits and adds the decimal places of
// a number to places.
func checkCell(c Cell, places *placesSet) error {
	switch c.kind {
	case kindText:
		return checkText(c.s)
	case kindDecimal:
		if significantDigits(c.s) > maxDigits {
			return fmt.Errorf("decimal %s has more than %d significant digits, which Excel cannot hold exactly: round it, or write it as text", c.s, maxDigits)
		}
		places.add(decimalPlaces(c.s))
	case kindInt:
		if c.n >= 1e15 || c.n <= -1e15 {
			if s := c.String(); significantDigits(s) > maxDigits {
				return fmt.Errorf("integer %s has more than %d significant digits, which Excel cannot hold exactly: write identifiers as text", s, maxDigits)
			}
		}
		places.add(0)
	case kindDate:
		if c.n < 1900 || c.n > 9999 {
			return fmt.Errorf("date %s is outside 1900-01-01 to 9999-12-31, the dates Excel can show", c)
		}
	}
	return nil
}

// checkText checks that s fits in a cell.
func checkText(s string) error {
	// A string of at most maxTextUnits bytes has at most as many UTF-16
	// code units, so only long strings need counting.
	if len(s) > maxTextUnits {
		if n := utf16Len(xmlText(s)); n > maxTextUnits {
			return fmt.Errorf("text of %d characters is longer than the %d a cell holds", n, maxTextUnits)
		}
	}
	return nil
}

// placesSet is the set of numbers of decimal places used by the numbers of
// a workbook, each of which gets its own cell style.
type placesSet [maxPlaces + 1]bool

func (p *placesSet) add(places int) {
	if places <= maxPlaces {
		p[places] = true
	}
}

// numberStyle is the cell style and number format of numbers with a given
// number of decimal places.
type numberStyle struct {
	places int
	style  int
	numFmt int
	code   string // format code of a custom format
}

// styles are the cell styles of the numbers of the set, in increasing order
// of places; numbers with more than maxPlaces places are shown in the
// General format.
func (p *placesSet) styles() []numberStyle {
	var out []numberStyle
	custom := numFmtFirstCustom
	for places, used := range p {
		if !used {
			continue
		}
		s := numberStyle{places: places, style: styleNumber + len(out)}
		switch places {
		case 0:
			s.numFmt = 1
		case 2:
			s.numFmt = 2
		default:
			s.numFmt = custom
			s.code = "0." + strings.Repeat("0", places)
			custom++
		}
		out = append(out, s)
	}
	return out
}

// numberStyleOf is the cell style of a number with places decimal places.
func numberStyleOf(styles []numberStyle, places int) int {
	i, found := slices.BinarySearchFunc(styles, places, func(s numberStyle, places int) int { return s.places - places })
	if !found {
		return styleNormal
	}
	return styles[i].style
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const (
	nsMain          = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPackageRels   = "http://schemas.openxmlformats.org/package/2006/relationships"
)

func writeContentTypes(b *bufio.Writer, sheets int) error {
	b.WriteString(xmlHeader)
	b.WriteString(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	b.WriteString(`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`)
	b.WriteString(`<Default Extension="xml" ContentType="application/xml"/>`)
	b.WriteString(`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	b.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	for i := range sheets {
		fmt.Fprintf(b, `<Override PartName="/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, sheetPath(i))
	}
	_, err := b.WriteString(`</Types>`)
	return err
}

func writeRootRels(b *bufio.Writer) error {
	b.WriteString(xmlHeader)
	_, err := b.WriteString(`<Relationships xmlns="` + nsPackageRels + `">` +
		`<Relationship Id="rId1" Type="` + nsRelationships + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`)
	return err
}

// Relationship ids in workbook.xml.rels: rId1 … rIdN for the sheets, then
// one for the styles.
func writeWorkbook(b *bufio.Writer, sheets []sheet) error {
	b.WriteString(xmlHeader)
	b.WriteString(`<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRelationships + `">`)
	b.WriteString(`<bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	var buf []byte
	for i, s := range sheets {
		buf = append(buf[:0], `<sheet name="`...)
		buf = appendEscapedAttr(buf, s.name)
		buf = fmt.Appendf(buf, `" sheetId="%d" r:id="rId%d"/>`, i+1, i+1)
		b.Write(buf)
	}
	_, err := b.WriteString(`</sheets></workbook>`)
	return err
}

func writeWorkbookRels(b *bufio.Writer, sheets int) error {
	b.WriteString(xmlHeader)
	b.WriteString(`<Relationships xmlns="` + nsPackageRels + `">`)
	for i := range sheets {
		fmt.Fprintf(b, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, nsRelationships, i+1)
	}
	fmt.Fprintf(b, `<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>`, sheets+1, nsRelationships)
	_, err := b.WriteString(`</Relationships>`)
	return err
}

func writeStyles(b *bufio.Writer, numbers []numberStyle) error {
	b.WriteString(xmlHeader)
	b.WriteString(`<styleSheet xmlns="` + nsMain + `">`)
	custom := 1
	for _, n := range numbers {
		if n.code != "" {
			custom++
		}
	}
	fmt.Fprintf(b, `<numFmts count="%d"><numFmt numFmtId="%d" formatCode="yyyy-mm-dd"/>`, custom, numFmtDate)
	for _, n := range numbers {
		if n.code != "" {
			fmt.Fprintf(b, `<numFmt numFmtId="%d" formatCode="%s"/>`, n.numFmt, n.code)
		}
	}
	b.WriteString(`</numFmts>`)
	b.WriteString(`<fonts count="2">` +
		`<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`</fonts>`)
	b.WriteString(`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>`)
	b.WriteString(`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>`)
	b.WriteString(`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`)
	// The order of cellXfs is the style* constants, then the numbers.
	fmt.Fprintf(b, `<cellXfs count="%d">`, styleNumber+len(numbers))
	b.WriteString(`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`)
	b.WriteString(`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>`)
	fmt.Fprintf(b, `<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`, numFmtDate)
	for _, n := range numbers {
		fmt.Fprintf(b, `<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`, n.numFmt)
	}
	b.WriteString(`</cellXfs>`)
	b.WriteString(`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>`)
	_, err := b.WriteString(`</styleSheet>`)
	return err
}

// writeSheet writes the worksheet of s; selected marks the sheet shown when
// the workbook opens.
func writeSheet(b *bufio.Writer, s *sheet, selected bool, numbers []numberStyle) error {
	header := len(s.Columns) > 0
	cols := make([]string, s.width) // column letters
	for j := range cols {
		cols[j] = columnName(j)
	}
	lastRow := len(s.Rows)
	if header {
		lastRow++
	}

	b.WriteString(xmlHeader)
	b.WriteString(`<worksheet xmlns="` + nsMain + `">`)
	if lastRow == 0 || s.width == 0 {
		b.WriteString(`<dimension ref="A1"/>`)
	} else {
		fmt.Fprintf(b, `<dimension ref="A1:%s%d"/>`, cols[s.width-1], lastRow)
	}
	b.WriteString(`<sheetViews><sheetView workbookViewId="0"`)
	if selected {
		b.WriteString(` tabSelected="1"`)
	}
	if header {
		b.WriteString(`><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
			`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>`)
	} else {
		b.WriteString(`/></sheetViews>`)
	}
	if s.width > 0 {
		b.WriteString(`<cols>`)
		for j, w := range s.widths {
			fmt.Fprintf(b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, j+1, j+1, strconv.FormatFloat(w, 'f', -1, 64))
		}
		b.WriteString(`</cols>`)
	}
	b.WriteString(`<sheetData>`)

	var buf []byte
	r := 0 // spreadsheet row, from 1
	if header {
		r++
		buf = append(buf[:0], `<row r="1">`...)
		for j, col := range s.Columns {
			buf = appendCell(buf, cols[j], 1, Text(col.Header), styleHeader, numbers)
		}
		buf = append(buf, `</row>`...)
		if _, err := b.Write(buf); err != nil {
			return err
		}
	}
	for _, row := range s.Rows {
		r++
		buf = append(buf[:0], `<row r="`...)
		buf = strconv.AppendInt(buf, int64(r), 10)
		buf = append(buf, `">`...)
		empty := len(buf)
		for j, c := range row {
			buf = appendCell(buf, cols[j], r, c, styleNormal, numbers)
		}
		if len(buf) == empty {
			continue // no row element for a row of empty cells
		}
		buf = append(buf, `</row>`...)
		if _, err := b.Write(buf); err != nil {
			return err
		}
	}
	_, err := b.WriteString(`</sheetData></worksheet>`)
	return err
}

// appendCell appends the c element of c at column col, row r; style is the
// style of a text or empty cell (numbers and dates have their own). Empty
// cells and text that is empty once cleaned are left out, except styled
// empty cells.
func appendCell(buf []byte, col string, r int, c Cell, style int, numbers []numberStyle) []byte {
	if c.kind == kindText {
		if c.s = xmlText(c.s); c.s == "" {
			c = Cell{}
		}
	}
	if c.kind == kindEmpty && style == styleNormal {
		return buf
	}
	switch c.kind {
	case kindDecimal:
		style = numberStyleOf(numbers, decimalPlaces(c.s))
	case kindInt:
		style = numberStyleOf(numbers, 0)
	case kindDate:
		style = styleDate
	}
	buf = append(buf, `<c r="`...)
	buf = append(buf, col...)
	buf = strconv.AppendInt(buf, int64(r), 10)
	buf = append(buf, '"')
	if style != styleNormal {
		buf = append(buf, ` s="`...)
		buf = strconv.AppendInt(buf, int64(style), 10)
		buf = append(buf, '"')
	}
	switch c.kind {
	case kindEmpty:
		return append(buf, `/>`...)
	case kindText:
		buf = append(buf, ` t="inlineStr"><is><t xml:space="preserve">`...)
		buf = appendEscapedText(buf, c.s)
		return append(buf, `</t></is></c>`...)
	}
	buf = append(buf, `><v>`...)
	switch c.kind {
	case kindDecimal:
		buf = append(buf, c.s...)
	case kindInt:
		buf = strconv.AppendInt(buf, c.n, 10)
	case kindDate:
		buf = strconv.AppendInt(buf, excelSerial(c), 10)
	}
	return append(buf, `</v></c>`...)
}

// excelEpoch is day 0 of Excel's 1900 date system.
var excelEpoch = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC).Unix()

// excelSerial is the date serial number of a date cell from 1900-01-01 on:
// the days since 1899-12-30, less one before 1900-03-01 because Excel,
// for compatibility with Lotus 1-2-3, counts a 1900-02-29 that never was.
func excelSerial(c Cell) int64 {
	days := (time.Date(int(c.n), c.m, c.d, 0, 0, 0, 0, time.UTC).Unix() - excelEpoch) / 86400
	if days < 61 {
		days--
	}
	return days
}

// columnName is the letter name of column j, from 0: A … Z, AA … XFD.
func columnName(j int) string {
	var b [4]byte
	i := len(b)
	for j++; j > 0; j = (j - 1) / 26 {
		i--
		b[i] = byte('A' + (j-1)%26)
	}
	return string(b[i:])
}

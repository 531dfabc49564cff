// Package tabular writes tables as CSV and XLSX downloads: a manager's daily
// visit list, payslips, bank payment files. It is a small writer of our own,
// on the standard library only.
//
// # Tables and cells
//
// A [Table] is one sheet: a title (the sheet name in a workbook), column
// headers and rows of [Cell] values. A cell is text, an exact decimal number,
// an integer, a calendar date or empty:
//
//	t := tabular.Table{
//		Title:   "2026-05 工资单",
//		Columns: []tabular.Column{{Header: "姓名"}, {Header: "发薪日"}, {Header: "实发"}},
//		Rows: [][]tabular.Cell{
//			{tabular.Text("张三"), tabular.Date(2026, time.May, 31), tabular.MustDecimal("12450.83")},
//		},
//	}
//
// Numbers are never floats. A [Decimal] is written exactly as given (a
// money.Amount's String fits), and its number of decimal places is kept in
// the XLSX display format, so "-0.50" shows as -0.50 in Excel, not -0.5.
//
// Identifiers made of digits — account numbers, ID card numbers, employee
// numbers with leading zeros — are [Text], not numbers: Excel keeps only 15
// significant digits of a number and drops leading zeros.
//
// # CSV
//
// [WriteCSV] writes RFC 4180 CSV in UTF-8 with a byte order mark (so that
// Excel reads Chinese text correctly) and CRLF line ends. Dates are written
// YYYY-MM-DD. Text that Excel would take for a formula (starting with = + - @,
// tab or carriage return) gets a leading apostrophe; numbers never do. CSV
// carries no types, so Excel may still reinterpret text that looks like a
// number or a date; prefer XLSX for files people open in Excel.
//
// # XLSX
//
// [WriteXLSX] writes an Office Open XML workbook with one worksheet per table:
// text as inline strings, numbers and dates as typed cells, a bold frozen
// header row and column widths. The output depends only on the tables (and
// the Go version's compress/flate), so the same tables give the same bytes. Limits that Excel would reject
// or silently break (too many rows, overlong text, numbers with more than 15
// significant digits, dates before 1900) are reported as errors.
//
// Both writers check the whole input before writing anything, so an error
// that is not a write error leaves w untouched: an HTTP handler can still
// answer with an error status.
package tabular

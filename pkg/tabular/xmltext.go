package tabular

import (
	"unicode/utf16"
	"unicode/utf8"
)

// xmlChar reports whether r may appear in an XML 1.0 document (the Char
// production of the XML 1.0 specification, section 2.2).
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r < 0xE000: // surrogates
		return false
	case r <= 0xFFFD:
		return true
	default:
		return 0x10000 <= r && r <= utf8.MaxRune
	}
}

// xmlText is s as a workbook holds it: every run of invalid UTF-8 bytes
// becomes one U+FFFD, as [strings.ToValidUTF8] does, and characters that XML
// cannot hold (most C0 controls, U+FFFE, U+FFFF) are left out.
func xmlText(s string) string {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if !xmlChar(rune(b)) {
				return xmlTextFrom(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			return xmlTextFrom(s, i)
		}
		i += size
	}
	return s
}

// xmlTextFrom is xmlText for s whose first i bytes need no change.
func xmlTextFrom(s string, i int) string {
	out := make([]byte, i, len(s)+2)
	copy(out, s[:i])
	invalid := false // the previous byte was invalid UTF-8
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if !invalid {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			invalid = true
			i++
			continue
		case xmlChar(r):
			out = append(out, s[i:i+size]...)
		}
		invalid = false
		i += size
	}
	return string(out)
}

// utf16Len is the length of s in UTF-16 code units, the unit of Excel's
// limits on text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// appendEscapedText appends s, which holds only XML characters (see
// xmlText), to dst as the content of an XML element of a SpreadsheetML
// string: with & < > escaped, carriage
// returns as character references (a literal CR would be read back as a line
// feed), and an underscore that starts something looking like Excel's
// _xHHHH_ escape for a character itself escaped as _x005F_, so that Excel
// shows the text as written.
func appendEscapedText(dst []byte, s string) []byte {
	start := 0 // start of the pending run of bytes to copy as they are
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		case '_':
			if !excelEscapeAt(s, i) {
				continue
			}
			// _x0041_ becomes _x005F_x0041_: the underscore, escaped,
			// followed by the rest as it is.
			dst = append(dst, s[start:i]...)
			dst = append(dst, "_x005F_"...)
			start = i + 1
			continue
		default:
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, esc...)
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// excelEscapeAt reports whether s[i:] starts with _xHHHH_, which Excel reads
// as the character U+HHHH.
func excelEscapeAt(s string, i int) bool {
	if len(s)-i < 7 || s[i] != '_' || s[i+1] != 'x' || s[i+6] != '_' {
		return false
	}
	for k := i + 2; k < i+6; k++ {
		if !isHex(s[k]) {
			return false
		}
	}
	return true
}

func isHex(b byte) bool { return isDigit(b) || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' }

// appendEscapedAttr appends s, which holds only XML characters, to dst as an
// attribute value between double quotes.
func appendEscapedAttr(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; b {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			dst = append(dst, "&quot;"...)
		case '\t':
			dst = append(dst, "&#x9;"...)
		case '\n':
			dst = append(dst, "&#xA;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		default:
			dst = append(dst, b)
		}
	}
	return dst
}

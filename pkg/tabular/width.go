package tabular

import "unicode/utf8"

// Column widths, in characters of the default font.
const (
	maxColumnWidth = 255 // Excel's limit
	minAutoWidth   = 6   // a fitted column is never narrower
	maxAutoWidth   = 80  // nor wider: longer text is cut off on screen
	autoPadding    = 2   // room for the cell margins and the bold header
)

// autoWidth is the fitted width of a column whose widest header or cell
// shows as chars characters.
func autoWidth(chars int) float64 {
	return float64(min(max(chars+autoPadding, minAutoWidth), maxAutoWidth))
}

// cellChars is how many characters wide c shows.
func cellChars(c Cell) int {
	switch c.kind {
	case kindText:
		return textChars(c.s)
	case kindDate:
		return len("2006-01-02")
	case kindEmpty:
		return 0
	case kindInt:
		n := 1
		if c.n < 0 {
			n++
		}
		for v := c.n; v >= 10 || v <= -10; v /= 10 {
			n++
		}
		return n
	}
	return len(c.s) // a decimal
}

// textChars is how many characters wide the widest line of s shows, counting
// wide characters (Chinese, Japanese, Korean, full-width forms) as two. It
// stops counting at maxAutoWidth.
func textChars(s string) int {
	widest, line := 0, 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '\n' {
				widest, line = max(widest, line), 0
			} else {
				line++
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			line += runeChars(r)
			i += size
		}
		if line >= maxAutoWidth {
			return maxAutoWidth
		}
	}
	return max(widest, line)
}

// runeChars is 2 for a character shown double width in East Asian fonts (a
// coarse take on Unicode's East Asian Width "W" and "F" classes) and 1
// otherwise.
func runeChars(r rune) int {
	switch {
	case r < 0x1100:
		return 1
	case r <= 0x115F, // Hangul Jamo initials
		0x2E80 <= r && r <= 0x303E,   // CJK radicals, punctuation
		0x3041 <= r && r <= 0x33FF,   // kana, CJK compatibility
		0x3400 <= r && r <= 0x4DBF,   // CJK extension A
		0x4E00 <= r && r <= 0x9FFF,   // CJK unified ideographs
		0xA000 <= r && r <= 0xA4CF,   // Yi
		0xAC00 <= r && r <= 0xD7A3,   // Hangul syllables
		0xF900 <= r && r <= 0xFAFF,   // CJK compatibility ideographs
		0xFE30 <= r && r <= 0xFE4F,   // CJK compatibility forms
		0xFF00 <= r && r <= 0xFF60,   // full-width forms
		0xFFE0 <= r && r <= 0xFFE6,   // full-width signs
		0x1F300 <= r && r <= 0x1F64F, // pictographs, emoticons
		0x20000 <= r && r <= 0x3FFFD: // CJK extensions B and beyond
		return 2
	}
	return 1
}

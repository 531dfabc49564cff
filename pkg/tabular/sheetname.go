package tabular

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// maxSheetName is Excel's limit on the length of a sheet name, in UTF-16
// code units.
const maxSheetName = 31

// sheetNames turns table titles into the names of a workbook's sheets,
// following Excel's rules, deterministically:
//
//   - the characters : \ / ? * [ ] become underscores and control characters
//     are left out;
//   - a name is cut to 31 characters and apostrophes at either end are
//     removed;
//   - an empty name becomes SheetN, N the sheet's position from 1;
//   - a name equal, ignoring case, to an earlier one or to the reserved
//     name History gets " (2)", " (3)" … appended (cutting it further if
//     needed) until it is unique.
func sheetNames(titles []string) []string {
	names := make([]string, len(titles))
	used := make(map[string]bool, len(titles)+1)
	used["history"] = true
	for i, title := range titles {
		base := cleanSheetName(title)
		if base == "" {
			base = "Sheet" + strconv.Itoa(i+1)
		}
		name := base
		for n := 2; used[strings.ToLower(name)]; n++ {
			suffix := " (" + strconv.Itoa(n) + ")"
			name = strings.TrimRight(cutUTF16(base, maxSheetName-len(suffix)), "'") + suffix
		}
		used[strings.ToLower(name)] = true
		names[i] = name
	}
	return names
}

// cleanSheetName applies the character and length rules of sheetNames to s.
func cleanSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(`:\/?*[]`, r):
			return '_'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, xmlText(s))
	return strings.Trim(cutUTF16(s, maxSheetName), "'")
}

// cutUTF16 is the longest prefix of s, which is valid UTF-8, that is at most
// n UTF-16 code units long.
func cutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"dataplus/internal/pdf"
)

// Bounds on the information dictionary.
const (
	maxInfoKeys   = 256
	maxInfoString = 64 << 10 // bytes kept of one decoded value
)

// readInfo decodes the document information dictionary.
func readInfo(doc objects, d pdf.Dict) Info {
	var info Info
	for k, v := range d {
		s, ok := infoValue(doc, v)
		if !ok {
			continue
		}
		switch k {
		case "Title":
			info.Title = s
		case "Author":
			info.Author = s
		case "Subject":
			info.Subject = s
		case "Keywords":
			info.Keywords = s
		case "Creator":
			info.Creator = s
		case "Producer":
			info.Producer = s
		case "CreationDate":
			info.CreationDate = parseDate(s)
		case "ModDate":
			info.ModDate = parseDate(s)
		case "Trapped":
			info.Trapped = s
		default:
			if len(info.Custom) >= maxInfoKeys {
				continue
			}
			if info.Custom == nil {
				info.Custom = make(map[string]string)
			}
			info.Custom[decodeName(k)] = s
		}
	}
	return info
}

// infoValue renders an information dictionary value as text: strings
// decoded, names, numbers and booleans as written.
func infoValue(doc objects, o pdf.Object) (string, bool) {
	var s string
	switch v := resolve(doc, o).(type) {
	case pdf.String:
		s = decodeText(v)
	case pdf.Name:
		s = decodeName(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(v)
	default:
		return "", false
	}
	if len(s) > maxInfoString {
		s = strings.ToValidUTF8(s[:maxInfoString], "")
	}
	return s, true
}

// decodeText decodes a PDF text string (ISO 32000-2, 7.9.2.2): UTF-16BE
// with a byte order mark, UTF-8 with one (PDF 2.0), else PDFDocEncoding.
// A UTF-16LE mark, which some writers use, is honoured too. Language
// escapes (U+001B ... U+001B) are dropped, and so are trailing NULs.
func decodeText(b []byte) string {
	var s string
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		s = decodeUTF16(b[2:], true)
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		s = decodeUTF16(b[2:], false)
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		s = strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	default:
		var sb strings.Builder
		sb.Grow(len(b))
		for _, c := range b {
			r := pdfDocEncoding[c]
			if r == 0 && c != 0 {
				r = utf8.RuneError
			}
			sb.WriteRune(r)
		}
		s = sb.String()
	}
	return strings.TrimRight(s, "\x00")
}

func decodeUTF16(b []byte, bigEndian bool) string {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u := uint16(b[i])<<8 | uint16(b[i+1])
		if !bigEndian {
			u = uint16(b[i+1])<<8 | uint16(b[i])
		}
		units = append(units, u)
	}
	runes := utf16.Decode(units)
	out := runes[:0]
	inEscape := false
	for _, r := range runes {
		if r == 0x1B {
			inEscape = !inEscape
			continue
		}
		if !inEscape {
			out = append(out, r)
		}
	}
	return string(out)
}

// parseDate turns a PDF date (ISO 32000-1, 7.9.4) into RFC 3339, or
// returns the input unchanged when it is not one. It accepts what real
// files hold: a missing "D:", missing trailing fields, "Z", a time zone
// with or without apostrophes or minutes, and junk after the date. A date
// without a time zone is reported in UTC. ISO 8601 dates, which some
// writers put here, are accepted too.
func parseDate(s string) string {
	raw := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "D:")
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.Format(time.RFC3339)
	}
	i := 0
	field := func(n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range s[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	year, ok := field(4)
	if !ok {
		return raw
	}
	date := [5]int{1, 1, 0, 0, 0} // month, day, hour, minute, second
	limits := [5][2]int{{1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 60}}
	for k := range date {
		v, ok := field(2)
		if !ok {
			break
		}
		if v < limits[k][0] || v > limits[k][1] {
			return raw
		}
		date[k] = v
	}
	loc := time.UTC
	if i < len(s) {
		switch sign := s[i]; sign {
		case 'Z', 'z':
		case '+', '-':
			i++
			hh, ok := field(2)
			if !ok {
				break
			}
			if i < len(s) && s[i] == '\'' {
				i++
			}
			mm, _ := field(2)
			if hh > 23 || mm > 59 {
				break
			}
			off := hh*3600 + mm*60
			if sign == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	if date[4] == 60 {
		date[4] = 59
	}
	t := time.Date(year, time.Month(date[0]), date[1], date[2], date[3], date[4], 0, loc)
	if t.Day() != date[1] { // February 30th and the like
		return raw
	}
	return t.Format(time.RFC3339)
}

// permissionBits are the user access permissions of the standard
// security handler (ISO 32000-1, Table 22), by bit position (1-based).
var permissionBits = []struct {
	bit  uint
	name string
}{
	{3, "print"}, {4, "modify"}, {5, "copy"}, {6, "annotate"},
	{9, "fill_forms"}, {10, "extract_accessibility"}, {11, "assemble"}, {12, "print_high"},
}

// permissions lists the permissions P grants. Revision 2 has no bits 9 to
// 12; there they follow the bits that governed them then (as qpdf does):
// fill_forms and annotate, extract_accessibility and copy, assemble and
// modify, print_high and print.
func permissions(p int32, r int) []string {
	set := func(bit uint) bool { return uint32(p)&(1<<(bit-1)) != 0 }
	out := make([]string, 0, len(permissionBits))
	for _, pb := range permissionBits {
		bit := pb.bit
		if r < 3 {
			switch bit {
			case 9:
				bit = 6
			case 10:
				bit = 5
			case 11:
				bit = 4
			case 12:
				bit = 3
			}
		}
		if set(bit) {
			out = append(out, pb.name)
		}
	}
	return out
}

// compareVersions compares "major.minor" version strings numerically;
// unparsable versions sort first.
func compareVersions(a, b string) int {
	pa, pb := parseVersion(a), parseVersion(b)
	for k := range pa {
		if pa[k] != pb[k] {
			if pa[k] < pb[k] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func parseVersion(v string) [2]int {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return [2]int{-1, -1}
	}
	return [2]int{major, minor}
}

package crypt

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// A deliberately small PDF object reader for tests only: enough to pull
// the /Encrypt dictionary, the /ID and a few streams out of files whose
// objects are plain (not in object streams). The real reader lives in
// internal/pdf.

type (
	pName string
	pRef  struct{ num, gen int }
)

type miniPDF struct {
	data []byte
}

type lexer struct {
	b []byte
	i int
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (l *lexer) skip() {
	for l.i < len(l.b) {
		switch c := l.b[l.i]; {
		case isWhite(c):
			l.i++
		case c == '%':
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
		default:
			return
		}
	}
}

// value parses one object; "N G R" becomes a pRef.
func (l *lexer) value() (any, error) {
	l.skip()
	if l.i >= len(l.b) {
		return nil, fmt.Errorf("unexpected end")
	}
	switch c := l.b[l.i]; {
	case c == '<' && l.i+1 < len(l.b) && l.b[l.i+1] == '<':
		l.i += 2
		d := map[string]any{}
		for {
			l.skip()
			if l.i+1 < len(l.b) && l.b[l.i] == '>' && l.b[l.i+1] == '>' {
				l.i += 2
				return d, nil
			}
			k, err := l.value()
			if err != nil {
				return nil, err
			}
			name, ok := k.(pName)
			if !ok {
				return nil, fmt.Errorf("dictionary key %v at %d", k, l.i)
			}
			v, err := l.value()
			if err != nil {
				return nil, err
			}
			d[string(name)] = v
		}
	case c == '<':
		l.i++
		var hex []byte
		for l.i < len(l.b) && l.b[l.i] != '>' {
			if !isWhite(l.b[l.i]) {
				hex = append(hex, l.b[l.i])
			}
			l.i++
		}
		l.i++
		if len(hex)%2 == 1 {
			hex = append(hex, '0')
		}
		out := make([]byte, len(hex)/2)
		for k := range out {
			v, err := strconv.ParseUint(string(hex[2*k:2*k+2]), 16, 8)
			if err != nil {
				return nil, err
			}
			out[k] = byte(v)
		}
		return out, nil
	case c == '(':
		return l.literal()
	case c == '[':
		l.i++
		var arr []any
		for {
			l.skip()
			if l.i < len(l.b) && l.b[l.i] == ']' {
				l.i++
				return arr, nil
			}
			v, err := l.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case c == '/':
		l.i++
		start := l.i
		for l.i < len(l.b) && !isWhite(l.b[l.i]) && !isDelim(l.b[l.i]) {
			l.i++
		}
		return pName(l.b[start:l.i]), nil
	default:
		start := l.i
		for l.i < len(l.b) && !isWhite(l.b[l.i]) && !isDelim(l.b[l.i]) {
			l.i++
		}
		tok := string(l.b[start:l.i])
		switch tok {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(tok, 64)
			if ferr != nil {
				return nil, fmt.Errorf("token %q at %d", tok, start)
			}
			return f, nil
		}
		// "N G R"?
		if m := refTail.FindSubmatch(l.b[l.i:min(l.i+20, len(l.b))]); m != nil {
			g, _ := strconv.Atoi(string(m[1]))
			l.i += len(m[0])
			return pRef{int(n), g}, nil
		}
		return n, nil
	}
}

var refTail = regexp.MustCompile(`^\s+(\d+)\s+R\b`)

// literal parses a (string) with its escapes.
func (l *lexer) literal() ([]byte, error) {
	l.i++ // (
	var out []byte
	depth := 1
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
		case '\r':
			// An end of line in a string is read as \n.
			if l.i < len(l.b) && l.b[l.i] == '\n' {
				l.i++
			}
			c = '\n'
		case '\\':
			if l.i >= len(l.b) {
				return out, nil
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
						v = v*8 + int(l.b[l.i]-'0')
						l.i++
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and unknown escapes
				}
			}
		}
		out = append(out, c)
	}
	return out, fmt.Errorf("unterminated string")
}

// object returns the last definition of object num in the file.
func (p *miniPDF) object(num, gen int) (any, error) {
	re := regexp.MustCompile(fmt.Sprintf(`(?:^|[^0-9])%d\s+%d\s+obj\b`, num, gen))
	locs := re.FindAllIndex(p.data, -1)
	if locs == nil {
		return nil, fmt.Errorf("object %d %d not found (compressed?)", num, gen)
	}
	l := &lexer{b: p.data, i: locs[len(locs)-1][1]}
	return l.value()
}

// resolve follows references.
func (p *miniPDF) resolve(v any) (any, error) {
	for range 10 {
		r, ok := v.(pRef)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = p.object(r.num, r.gen); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference chain too long")
}

var (
	trailerKW = regexp.MustCompile(`trailer\s*<<`)
	objStart  = regexp.MustCompile(`(?:^|[^0-9])(\d+)\s+(\d+)\s+obj\s*<<`)
)

// trailer returns the last trailer dictionary (or cross-reference stream
// dictionary) that has an /Encrypt entry.
func (p *miniPDF) trailer() (map[string]any, error) {
	var found map[string]any
	for _, loc := range trailerKW.FindAllIndex(p.data, -1) {
		l := &lexer{b: p.data, i: loc[1] - 2}
		if v, err := l.value(); err == nil {
			if d, ok := v.(map[string]any); ok && d["Encrypt"] != nil {
				found = d
			}
		}
	}
	if found != nil {
		return found, nil
	}
	for _, loc := range objStart.FindAllIndex(p.data, -1) {
		l := &lexer{b: p.data, i: loc[1] - 2}
		if v, err := l.value(); err == nil {
			if d, ok := v.(map[string]any); ok && d["Type"] == pName("XRef") && d["Encrypt"] != nil {
				found = d
			}
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no trailer with /Encrypt")
	}
	return found, nil
}

// encryptParams reads the /Encrypt dictionary and /ID into Params.
func (p *miniPDF) encryptParams() (Params, error) {
	tr, err := p.trailer()
	if err != nil {
		return Params{}, err
	}
	ev, err := p.resolve(tr["Encrypt"])
	if err != nil {
		return Params{}, err
	}
	ed, ok := ev.(map[string]any)
	if !ok {
		return Params{}, fmt.Errorf("/Encrypt is %T", ev)
	}
	par := Params{EncryptMetadata: true, CF: map[string]CryptFilter{}}
	get := func(k string) any { v, _ := p.resolve(ed[k]); return v }
	str := func(k string) []byte { b, _ := get(k).([]byte); return b }
	name := func(k string) string { n, _ := get(k).(pName); return string(n) }
	num := func(k string) int64 { n, _ := get(k).(int64); return n }
	par.Filter, par.SubFilter = name("Filter"), name("SubFilter")
	par.V, par.R, par.Length = int(num("V")), int(num("R")), int(num("Length"))
	par.O, par.U, par.OE, par.UE, par.Perms = str("O"), str("U"), str("OE"), str("UE"), str("Perms")
	par.P = int32(uint32(num("P"))) // wraps values written as unsigned
	if b, ok := get("EncryptMetadata").(bool); ok {
		par.EncryptMetadata = b
	}
	par.StmF, par.StrF, par.EFF = name("StmF"), name("StrF"), name("EFF")
	if cf, ok := get("CF").(map[string]any); ok {
		for k, v := range cf {
			v, _ = p.resolve(v)
			fd, _ := v.(map[string]any)
			cfm, _ := fd["CFM"].(pName)
			length, _ := fd["Length"].(int64)
			par.CF[k] = CryptFilter{CFM: string(cfm), Length: int(length)}
		}
	}
	if id, ok := tr["ID"].([]any); ok && len(id) > 0 {
		par.ID0, _ = id[0].([]byte)
	}
	return par, nil
}

// stream is one stream object found by scanning.
type stream struct {
	num, gen int
	dict     map[string]any
	data     []byte // raw (encrypted) bytes
}

// streams returns up to max stream objects with a direct /Length.
func (p *miniPDF) streams(max int) []stream {
	var out []stream
	for _, m := range objStart.FindAllSubmatchIndex(p.data, -1) {
		if len(out) >= max {
			break
		}
		num, _ := strconv.Atoi(string(p.data[m[2]:m[3]]))
		gen, _ := strconv.Atoi(string(p.data[m[4]:m[5]]))
		l := &lexer{b: p.data, i: m[1] - 2}
		v, err := l.value()
		if err != nil {
			continue
		}
		d, _ := v.(map[string]any)
		n, ok := d["Length"].(int64)
		if !ok {
			continue
		}
		l.skip()
		if !bytes.HasPrefix(p.data[l.i:], []byte("stream")) {
			continue
		}
		i := l.i + len("stream")
		if i < len(p.data) && p.data[i] == '\r' {
			i++
		}
		if i < len(p.data) && p.data[i] == '\n' {
			i++
		}
		if i+int(n) > len(p.data) {
			continue
		}
		out = append(out, stream{num, gen, d, p.data[i : i+int(n)]})
	}
	return out
}

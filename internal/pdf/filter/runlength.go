package filter

import "fmt"

// decodeRunLength decodes RunLengthDecode data (ISO 32000-1, 7.4.5): a
// length byte L < 128 copies the next L+1 bytes, L > 128 repeats the next
// byte 257-L times, 128 ends the data. A missing EOD is not an error.
func decodeRunLength(data []byte, limit int) ([]byte, error) {
	out := make([]byte, 0, min(len(data)*2, limit))
	i := 0
	for i < len(data) {
		l := int(data[i])
		i++
		switch {
		case l == 128:
			return out, nil
		case l < 128:
			n := l + 1
			var err error
			if i+n > len(data) {
				n = len(data) - i
				err = fmt.Errorf("runlength: %w (literal run cut short)", ErrCorrupt)
			}
			if len(out)+n > limit {
				return nil, errLimit("runlength", limit)
			}
			out = grow(out, n, limit)
			out = append(out, data[i:i+n]...)
			i += n
			if err != nil {
				return out, err
			}
		default:
			n := 257 - l
			if i >= len(data) {
				return out, fmt.Errorf("runlength: %w (repeat run without its byte)", ErrCorrupt)
			}
			if len(out)+n > limit {
				return nil, errLimit("runlength", limit)
			}
			out = grow(out, n, limit)
			b := data[i]
			i++
			for range n {
				out = append(out, b)
			}
		}
	}
	return out, nil
}

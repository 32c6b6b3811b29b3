package keyra

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON returns the RFC 8785 (JCS) canonical JSON of value, as the server computes a
// proof's payloadDigest; the vectors in fixtures/canonical-json/vectors.json hold the server and
// the three SDKs to one output. value is a json.RawMessage (JSON text), or anything encoding/json
// marshals (map[string]any, structs, slices, numbers, …).
//
// This is not json.Marshal's output: members sort by UTF-16 code units (not UTF-8 bytes), only
// '"', '\' and control characters are escaped (not <, >, &, U+2028, U+2029), and numbers are
// IEEE 754 doubles printed as ECMAScript prints them (1e-7, 1e+21, 4.5; -0 is 0; an integer
// beyond 2^53 is rounded to the nearest double, as JSON.parse does). A lone surrogate, invalid
// UTF-8 and numbers beyond the double range have no canonical form and give an error.
func CanonicalJSON(value any) ([]byte, error) {
	var raw []byte
	switch v := value.(type) {
	case json.RawMessage:
		raw = v
	default:
		if err := checkUTF8(reflect.ValueOf(value), 0); err != nil {
			return nil, err
		}
		marshaled, err := json.Marshal(value)
		if err != nil {
			return nil, err
		}
		raw = marshaled
	}
	if !utf8.Valid(raw) {
		return nil, errors.New("the JSON text is not valid UTF-8")
	}
	if err := checkSurrogateEscapes(raw); err != nil {
		return nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var parsed any
	if err := decoder.Decode(&parsed); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if decoder.More() {
		return nil, errors.New("not JSON: text after the value")
	}
	var out bytes.Buffer
	if err := writeCanonical(&out, parsed); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func writeCanonical(out *bytes.Buffer, value any) error {
	switch v := value.(type) {
	case nil:
		out.WriteString("null")
	case bool:
		out.WriteString(strconv.FormatBool(v))
	case string:
		writeCanonicalString(out, v)
	case json.Number:
		text, err := ecmaNumber(string(v))
		if err != nil {
			return err
		}
		out.WriteString(text)
	case []any:
		out.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := writeCanonical(out, item); err != nil {
				return err
			}
		}
		out.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		units := make(map[string][]uint16, len(v))
		for key := range v {
			keys = append(keys, key)
			units[key] = utf16.Encode([]rune(key))
		}
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(units[keys[i]], units[keys[j]]) })
		out.WriteByte('{')
		for i, key := range keys {
			if i > 0 {
				out.WriteByte(',')
			}
			writeCanonicalString(out, key)
			out.WriteByte(':')
			if err := writeCanonical(out, v[key]); err != nil {
				return err
			}
		}
		out.WriteByte('}')
	default:
		return fmt.Errorf("a %T has no JSON form", value)
	}
	return nil
}

func lessUTF16(a, b []uint16) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func writeCanonicalString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\f':
			out.WriteString(`\f`)
		case '\n':
			out.WriteString(`\n`)
		case '\r':
			out.WriteString(`\r`)
		case '\t':
			out.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(out, `\u%04x`, r)
			} else {
				out.WriteRune(r)
			}
		}
	}
	out.WriteByte('"')
}

// ecmaNumber formats a JSON number as ECMAScript's Number::toString formats the double nearest
// to it (RFC 8785 §3.2.2.3).
func ecmaNumber(text string) (string, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("the number %s is beyond the range of a JSON number", text)
	}
	if f == 0 {
		return "0", nil // and -0
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// The shortest digits that round-trip, d.ddddde±x, as ECMAScript requires.
	mantissa, exponent, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mantissa, ".", "", 1)
	e, _ := strconv.Atoi(exponent)
	k, n := len(digits), e+1 // value = 0.digits × 10^n
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		s = digits[:1]
		if k > 1 {
			s += "." + digits[1:]
		}
		if e >= 0 {
			s += "e+" + strconv.Itoa(e)
		} else {
			s += "e-" + strconv.Itoa(-e)
		}
	}
	return sign + s, nil
}

// checkSurrogateEscapes refuses a \uD800–\uDFFF escape that is not half of a pair (high then
// low): encoding/json would silently turn it into U+FFFD, which the server does not.
func checkSurrogateEscapes(raw []byte) error {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 < len(raw) && raw[i+1] == 'u' && i+5 < len(raw) {
				unit, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
				if err != nil {
					return nil // not JSON: the decoder says so
				}
				switch {
				case unit >= 0xD800 && unit <= 0xDBFF:
					low := uint64(0)
					if i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
						low, _ = strconv.ParseUint(string(raw[i+8:i+12]), 16, 16)
					}
					if low < 0xDC00 || low > 0xDFFF {
						return errors.New("a string with a lone surrogate has no JSON form")
					}
					i += 11
				case unit >= 0xDC00 && unit <= 0xDFFF:
					return errors.New("a string with a lone surrogate has no JSON form")
				default:
					i += 5
				}
			} else {
				i++ // an escaped character: \" and \\ do not end or start anything
			}
		}
	}
	return nil
}

// maxPayloadDepth bounds the walk of checkUTF8 (a cycle of pointers never ends); the server
// refuses payloads far shallower than this.
const maxPayloadDepth = 1000

// checkUTF8 refuses strings (values and map keys) that are not valid UTF-8: json.Marshal would
// silently replace their bytes with U+FFFD, so the digest would be of another payload.
func checkUTF8(v reflect.Value, depth int) error {
	if depth > maxPayloadDepth {
		return fmt.Errorf("the value is nested more than %d levels deep", maxPayloadDepth)
	}
	depth++
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			return fmt.Errorf("the string %q is not valid UTF-8", v.String())
		}
	case reflect.Interface, reflect.Pointer:
		if !v.IsNil() {
			return checkUTF8(v.Elem(), depth)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // []byte marshals as base64
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkUTF8(v.Index(i), depth); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := checkUTF8(iter.Key(), depth); err != nil {
				return err
			}
			if err := checkUTF8(iter.Value(), depth); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				if err := checkUTF8(v.Field(i), depth); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

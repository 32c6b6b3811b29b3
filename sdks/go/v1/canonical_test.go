package keyra

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The vectors shared by the server and the three SDKs (fixtures/canonical-json/README.md).
var vectorsFile = filepath.Join("..", "..", "..", "fixtures", "canonical-json", "vectors.json")

func TestCanonicalJSONVectors(t *testing.T) {
	text, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct{ Name, Input, Canonical, SHA256 string }
	}
	if err := json.Unmarshal(text, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 10 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			// As JSON text, and as the value encoding/json decodes it to.
			var decoded any
			if err := json.Unmarshal([]byte(v.Input), &decoded); err != nil {
				t.Fatal(err)
			}
			for name, input := range map[string]any{"raw": json.RawMessage(v.Input), "decoded": decoded} {
				got, err := CanonicalJSON(input)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if string(got) != v.Canonical {
					t.Fatalf("%s:\n got %s\nwant %s", name, got, v.Canonical)
				}
				digest, err := PayloadDigest(input)
				if err != nil || digest != v.SHA256 {
					t.Fatalf("%s: digest %s (%v), want %s", name, digest, err, v.SHA256)
				}
			}
			sum := sha256.Sum256([]byte(v.Canonical))
			if hex.EncodeToString(sum[:]) != v.SHA256 {
				t.Fatal("the vector's sha256 is not that of its canonical text")
			}
		})
	}
}

func TestCanonicalJSONIsNotMarshal(t *testing.T) {
	type transfer struct {
		Memo   string  `json:"memo"`
		Amount float64 `json:"amount"`
	}
	tenth := 0.1 // a variable: Go adds constants exactly
	for _, c := range []struct {
		in   any
		want string
	}{
		{map[string]any{"html": "<a&b>\u2028\u2029"}, "{\"html\":\"<a&b>\u2028\u2029\"}"},
		{map[string]any{"\uFB33": 1, "\U0001F600": 2}, "{\"\U0001F600\":2,\"\uFB33\":1}"},
		{[]any{1e-7, 1e21, 1e20, math.Copysign(0, -1), 1.0, 1e16, 0.000001, -1.5e-5, 5e-324, 1.7976931348623157e308, 123456789e-15, tenth + 0.2},
			"[1e-7,1e+21,100000000000000000000,0,1,10000000000000000,0.000001,-0.000015,5e-324,1.7976931348623157e+308,1.23456789e-7,0.30000000000000004]"},
		{[]int64{9007199254740993, 1 << 62}, "[9007199254740992,4611686018427388000]"},
		{transfer{Memo: "x", Amount: 12500}, `{"amount":12500,"memo":"x"}`},
		{json.RawMessage(`{"a":"\ud83d\ude00","b":1E400e0}`), ""}, // not JSON: refused below
		{json.RawMessage(` {"b" : [ 1.50 ] , "a":"\u00e9"} `), `{"a":"é","b":[1.5]}`},
	} {
		got, err := CanonicalJSON(c.in)
		if c.want == "" {
			if err == nil {
				t.Fatalf("%v: accepted as %s", c.in, got)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Fatalf("%#v:\n got %s (%v)\nwant %s", c.in, got, err, c.want)
		}
	}
}

func TestCanonicalJSONRefusals(t *testing.T) {
	for name, in := range map[string]any{
		"lone high surrogate":     json.RawMessage(`{"s":"\ud800"}`),
		"lone low surrogate":      json.RawMessage(`{"s":"a\udc00b"}`),
		"high then not low":       json.RawMessage(`{"s":"\ud83d\u0041"}`),
		"lone surrogate key":      json.RawMessage(`{"\udbff":1}`),
		"number beyond a double":  json.RawMessage(`{"n":1e400}`),
		"invalid UTF-8 text":      json.RawMessage("{\"s\":\"\xff\"}"),
		"invalid UTF-8 string":    map[string]any{"s": "\xff"},
		"invalid UTF-8 key":       map[string]any{"\xc3": 1},
		"invalid UTF-8 in struct": struct{ S []string }{[]string{"ok", "\xed\xa0\x80"}},
		"not JSON":                json.RawMessage(`{"a":}`),
		"two values":              json.RawMessage(`{} {}`),
		"NaN":                     map[string]any{"n": math.NaN()},
		"infinity":                []float64{math.Inf(1)},
		"a channel":               map[string]any{"c": make(chan int)},
	} {
		if got, err := CanonicalJSON(in); err == nil {
			t.Fatalf("%s: accepted as %s", name, got)
		}
		if _, err := PayloadDigest(in); err == nil || !strings.HasPrefix(err.Error(), "keyra: ") {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// A pair of escapes is one character, not two lone surrogates.
	if got, err := CanonicalJSON(json.RawMessage(`"\ud83d\ude00\\u"`)); err != nil || string(got) != "\"\U0001F600\\\\u\"" {
		t.Fatalf("%s %v", got, err)
	}
}

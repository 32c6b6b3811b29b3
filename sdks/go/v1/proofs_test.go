package keyra

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type testKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

func newTestKey(t *testing.T, kid string) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid, k}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func pad32(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }

func (k testKey) jwk() map[string]string {
	return map[string]string{"kty": "EC", "crv": "P-256", "kid": k.kid, "alg": "ES256", "use": "sig",
		"x": b64(pad32(k.priv.X.Bytes())), "y": b64(pad32(k.priv.Y.Bytes()))}
}

func (k testKey) sign(t *testing.T, header map[string]string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	d := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k.priv, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(append(pad32(r.Bytes()), pad32(s.Bytes())...))
}

type jwksServer struct {
	mu      sync.Mutex
	keys    []testKey
	fetches int
}

func (j *jwksServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != JWKSPath || r.Header.Get("Authorization") != "" {
		w.WriteHeader(404)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.fetches++
	var keys []map[string]string
	for _, k := range j.keys {
		keys = append(keys, k.jwk())
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func claims() map[string]any {
	return map[string]any{"iss": "http://127.0.0.1:8787", "sub": "usr_8f2a", "jti": "prf_1", "iat": 1780080031,
		"challengeId": "chl_abcd1234", "action": "transfer.approve", "payloadDigest": strings.Repeat("a", 64),
		"challengeDigest": strings.Repeat("b", 64), "method": "device", "deviceId": "dev_1", "env": "sandbox"}
}

func TestProofVerify(t *testing.T) {
	k1 := newTestKey(t, "kid-1")
	js := &jwksServer{keys: []testKey{k1}}
	srv := httptest.NewServer(js)
	defer srv.Close()
	c := NewClient(Options{BaseURL: srv.URL, APIKey: "sk_test_x"})
	ctx := context.Background()
	header := map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}

	proof := k1.sign(t, header, claims())
	got, err := c.Proofs.Verify(ctx, proof)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChallengeID != "chl_abcd1234" || got.Subject != "usr_8f2a" || got.Env != "sandbox" || got.IssuedAt != 1780080031 || got.Raw["jti"] != "prf_1" {
		t.Fatalf("%+v", got)
	}
	// Cached: a second proof does not refetch.
	if _, err := c.Proofs.Verify(ctx, k1.sign(t, header, claims())); err != nil || js.fetches != 1 {
		t.Fatalf("err=%v fetches=%d", err, js.fetches)
	}

	// Tampered payload.
	parts := strings.Split(proof, ".")
	cl := claims()
	cl["action"] = "transfer.approve.all"
	forgedPayload, _ := json.Marshal(cl)
	if _, err := c.Proofs.Verify(ctx, parts[0]+"."+b64(forgedPayload)+"."+parts[2]); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("tampered payload: %v", err)
	}
	// Signed by a key the server does not publish, under a published kid.
	other := newTestKey(t, "kid-1")
	if _, err := c.Proofs.Verify(ctx, other.sign(t, header, claims())); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("foreign key: %v", err)
	}
	// Wrong alg / typ, garbage.
	for _, h := range []map[string]string{{"alg": "HS256", "kid": "kid-1", "typ": ProofType}, {"alg": "ES256", "kid": "kid-1", "typ": "JWT"}, {"alg": "none", "kid": "kid-1", "typ": ProofType}} {
		if _, err := c.Proofs.Verify(ctx, k1.sign(t, h, claims())); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("%v: %v", h, err)
		}
	}
	for _, junk := range []string{"", "a.b", "a.b.c", parts[0] + "." + parts[1] + ".AAAA"} {
		if _, err := c.Proofs.Verify(ctx, junk); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("%q: %v", junk, err)
		}
	}

	// Rotation: a new kid triggers exactly one refetch, then verifies.
	k2 := newTestKey(t, "kid-2")
	js.mu.Lock()
	js.keys = append(js.keys, k2)
	before := js.fetches
	js.mu.Unlock()
	h2 := map[string]string{"alg": "ES256", "kid": "kid-2", "typ": ProofType}
	if _, err := c.Proofs.Verify(ctx, k2.sign(t, h2, claims())); err != nil || js.fetches != before+1 {
		t.Fatalf("rotated: err=%v fetches=%d", err, js.fetches-before)
	}
	// An unknown kid refetches once and fails.
	before = js.fetches
	k3 := newTestKey(t, "kid-3")
	if _, err := c.Proofs.Verify(ctx, k3.sign(t, map[string]string{"alg": "ES256", "kid": "kid-3", "typ": ProofType}, claims())); !errors.Is(err, ErrInvalidProof) || js.fetches != before+1 {
		t.Fatalf("unknown kid: err=%v fetches=%d", err, js.fetches-before)
	}
}

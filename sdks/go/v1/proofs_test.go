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
	"time"
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

// testIat is when the test proofs were issued: just now, so that they are not expired.
var testIat = time.Now().Unix() - 30

// seedDigest is the RFC 8785 digest of the seed payload {"amount":12500,"currency":"USD"}
// (fixtures/canonical-json/vectors.json, "the seed payload").
const seedDigest = "824bbefce3d999342e8348d31017d8fdf28d0f2ec24b02ac44536f3433374ab3"

func claims() map[string]any {
	return map[string]any{"iss": "http://127.0.0.1:8787", "sub": "usr_8f2a", "jti": "prf_1", "aud": "payments-api",
		"iat": testIat, "exp": testIat + 86400, "challengeId": "chl_abcd1234", "action": "transfer.approve",
		"payloadDigest": seedDigest, "challengeDigest": strings.Repeat("b", 64), "method": "device",
		"deviceId": "dev_1", "env": "sandbox"}
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
	if got.ChallengeID != "chl_abcd1234" || got.Subject != "usr_8f2a" || got.Env != "sandbox" || got.IssuedAt != testIat || got.ExpiresAt != testIat+86400 || got.Audience != "payments-api" || got.Raw["jti"] != "prf_1" {
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

func TestProofVerifyWithBindings(t *testing.T) {
	k := newTestKey(t, "kid-1")
	srv := httptest.NewServer(&jwksServer{keys: []testKey{k}})
	defer srv.Close()
	c := NewClient(Options{BaseURL: srv.URL, APIKey: "sk_test_x"})
	ctx := context.Background()
	header := map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}
	proof := k.sign(t, header, claims())
	iat := time.Unix(testIat, 0)
	exp := iat.Add(24 * time.Hour)
	seed := map[string]any{"currency": "USD", "amount": 12500}

	for name, opts := range map[string]ProofVerifyOptions{
		"every binding":           {Action: "transfer.approve", Payload: seed, Audience: "payments-api", Issuer: "http://127.0.0.1:8787", Env: "sandbox"},
		"payload as JSON text":    {Payload: json.RawMessage(`{ "currency" : "USD", "amount" : 12500.0 }`)},
		"payload as a struct":     {Payload: transfer{Amount: 12500, Currency: "USD"}},
		"exp within the leeway":   {Now: exp.Add(59 * time.Second)},
		"a longer leeway":         {Now: exp.Add(10 * time.Minute), Leeway: time.Hour},
		"iat within the leeway":   {Now: iat.Add(-59 * time.Second)},
		"an archived proof as of": {Now: iat.Add(time.Hour), Action: "transfer.approve"},
	} {
		if _, err := c.Proofs.VerifyWith(ctx, proof, opts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	for name, c2 := range map[string]struct {
		opts  ProofVerifyOptions
		proof string
		want  string
	}{
		"wrong action":        {ProofVerifyOptions{Action: "wire.send"}, proof, `approves "transfer.approve", not "wire.send"`},
		"wrong payload":       {ProofVerifyOptions{Payload: map[string]any{"currency": "USD", "amount": 12501}}, proof, "different payload"},
		"extra member":        {ProofVerifyOptions{Payload: map[string]any{"currency": "USD", "amount": 12500, "memo": ""}}, proof, "different payload"},
		"empty payload":       {ProofVerifyOptions{Payload: map[string]any{}}, proof, "different payload"},
		"no canonical form":   {ProofVerifyOptions{Payload: json.RawMessage(`{"s":"\udc00"}`)}, proof, "cannot be canonicalized"},
		"wrong audience":      {ProofVerifyOptions{Audience: "other-api"}, proof, `for "payments-api", not "other-api"`},
		"wrong issuer":        {ProofVerifyOptions{Issuer: "https://keyra.example.com"}, proof, "issued by"},
		"wrong env":           {ProofVerifyOptions{Env: "production"}, proof, "from sandbox, not production"},
		"expired":             {ProofVerifyOptions{Now: exp.Add(61 * time.Second)}, proof, "expired at " + exp.UTC().Format(time.RFC3339)},
		"expired, no leeway":  {ProofVerifyOptions{Now: exp.Add(time.Second), Leeway: -1}, proof, "expired"},
		"iat in the future":   {ProofVerifyOptions{Now: iat.Add(-61 * time.Second)}, proof, "issued in the future"},
		"future, no leeway":   {ProofVerifyOptions{Now: iat.Add(-time.Second), Leeway: -1}, proof, "issued in the future"},
		"expired by Verify":   {ProofVerifyOptions{}, k.sign(t, header, withClaims(map[string]any{"iat": testIat - 90000, "exp": testIat - 3600})), "expired"},
		"no exp":              {ProofVerifyOptions{Leeway: 1 << 62}, k.sign(t, header, withClaims(map[string]any{"exp": nil})), "no exp or iat"},
		"no iat":              {ProofVerifyOptions{}, k.sign(t, header, withClaims(map[string]any{"iat": nil})), "no exp or iat"},
		"exp of another type": {ProofVerifyOptions{}, k.sign(t, header, withClaims(map[string]any{"exp": "tomorrow"})), "wrong type"},
	} {
		_, err := c.Proofs.VerifyWith(ctx, c2.proof, c2.opts)
		if !errors.Is(err, ErrProofVerification) || !strings.Contains(err.Error(), c2.want) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Verify keeps its signature and checks the time as VerifyWith does.
	if _, err := c.Proofs.Verify(ctx, k.sign(t, header, withClaims(map[string]any{"exp": nil}))); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("Verify without exp: %v", err)
	}
}

type transfer struct {
	Currency string `json:"currency"`
	Amount   int    `json:"amount"`
}

// withClaims returns claims() changed by changes; a nil value removes the claim.
func withClaims(changes map[string]any) map[string]any {
	out := claims()
	for name, value := range changes {
		if value == nil {
			delete(out, name)
		} else {
			out[name] = value
		}
	}
	return out
}

func TestProofVerifyQuorum(t *testing.T) {
	k1 := newTestKey(t, "kid-1")
	srv := httptest.NewServer(&jwksServer{keys: []testKey{k1}})
	defer srv.Close()
	c := NewClient(Options{BaseURL: srv.URL, APIKey: "sk_test_x"})
	header := map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}
	cl := claims()
	cl["sub"] = "chl_abcd1234"
	cl["approvers"] = []map[string]any{
		{"sub": "usr_alice", "method": "device", "deviceId": "dev_a", "at": testIat - 5},
		{"sub": "usr_bob", "method": "passkey", "deviceId": "dev_b", "at": testIat},
	}
	got, err := c.Proofs.VerifyWith(context.Background(), k1.sign(t, header, cl), ProofVerifyOptions{
		Action: "transfer.approve", Payload: map[string]any{"amount": 12500, "currency": "USD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProofApprover{
		{Subject: "usr_alice", Method: "device", DeviceID: "dev_a", At: testIat - 5},
		{Subject: "usr_bob", Method: "passkey", DeviceID: "dev_b", At: testIat},
	}
	if len(got.Approvers) != 2 || got.Approvers[0] != want[0] || got.Approvers[1] != want[1] {
		t.Fatalf("approvers: %+v", got.Approvers)
	}
	// A one-approver proof has none.
	single, err := c.Proofs.Verify(context.Background(), k1.sign(t, header, claims()))
	if err != nil || single.Approvers != nil {
		t.Fatalf("single: %v %+v", err, single)
	}
}

func TestCreateQuorumChallengeBody(t *testing.T) {
	body, err := json.Marshal(CreateChallengeParams{Action: "wire.send", Approvers: []string{"usr_a", "usr_b"}, Quorum: 2, RejectOn: "any"})
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"action":"wire.send","approvers":["usr_a","usr_b"],"quorum":2,"rejectOn":"any"}` {
		t.Fatalf("%s", body)
	}
	var challenge Challenge
	if err := json.Unmarshal([]byte(`{"id":"chl_1","userId":null,"approvers":["usr_a","usr_b"],"quorum":2,"rejectOn":"any","approvals":[{"userId":"usr_a","deviceId":"dev_1","method":"device","decidedAt":"2026-05-29T18:40:01Z"}],"rejections":[],"remaining":1}`), &challenge); err != nil {
		t.Fatal(err)
	}
	if challenge.UserID != "" || challenge.Quorum != 2 || len(challenge.Approvals) != 1 || challenge.Remaining == nil || *challenge.Remaining != 1 {
		t.Fatalf("%+v", challenge)
	}
}

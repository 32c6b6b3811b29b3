package keyra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const testStampID = "stp_4Qm9xT2bLw8RkZ1yV7nC3pHd"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// makeStamp signs a stamp over proof as the server does; overrides change the signed claims.
func makeStamp(t *testing.T, k testKey, typ, proof string, overrides map[string]any) *Stamp {
	t.Helper()
	s := &Stamp{Object: "stamp", StampID: testStampID, ProofSHA256: sha256Hex(proof),
		IssuedAt: "2026-11-22T10:04:31Z", Method: "device", Environment: "sandbox",
		EAS: StampEAS{Schema: "bytes32 proofHash, uint64 issuedAt, string method", SchemaUID: "0x" + strings.Repeat("1", 64)}}
	claims := map[string]any{"iss": "http://127.0.0.1:8787", "jti": s.StampID, "iat": 1795341871,
		"stamp_id": s.StampID, "proof_sha256": s.ProofSHA256, "issued_at": s.IssuedAt, "method": s.Method, "env": s.Environment}
	for name, value := range overrides {
		claims[name] = value
	}
	s.Signature = k.sign(t, map[string]string{"alg": "ES256", "kid": k.kid, "typ": typ}, claims)
	return s
}

// stampServer publishes the JWKS, serves one stamp and a usage report, and records the
// Authorization header of each stamp request.
type stampServer struct {
	jwks  *jwksServer
	mu    sync.Mutex
	stamp *Stamp
	auths []string
}

func (s *stampServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == JWKSPath {
		s.jwks.ServeHTTP(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(r.URL.Path, "/v1/stamps/") {
		s.auths = append(s.auths, r.Header.Get("Authorization")+r.Header.Get("x-api-key"))
		if s.stamp != nil && r.URL.Path == "/v1/stamps/"+s.stamp.StampID {
			_ = json.NewEncoder(w).Encode(s.stamp)
			return
		}
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"code":"stamp_not_found","message":"No stamp."}`))
		return
	}
	w.WriteHeader(404)
}

func TestStampRetrieveSendsNoAPIKey(t *testing.T) {
	k := newTestKey(t, "kid-1")
	proof := k.sign(t, map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}, claims())
	ss := &stampServer{jwks: &jwksServer{keys: []testKey{k}}, stamp: makeStamp(t, k, StampType, proof, nil)}
	srv := httptest.NewServer(ss)
	defer srv.Close()
	ctx := context.Background()
	withKey := NewClient(Options{BaseURL: srv.URL, APIKey: "sk_test_x"})
	got, err := withKey.Stamps.Retrieve(ctx, testStampID)
	if err != nil {
		t.Fatal(err)
	}
	if got.StampID != testStampID || got.Signature != ss.stamp.Signature || got.EAS.Onchain != nil || got.EAS.Offchain != nil {
		t.Fatalf("%+v", got)
	}
	withoutKey := NewClient(Options{BaseURL: srv.URL})
	withoutKey.apiKey = "" // whatever the environment holds
	if _, err := withoutKey.Stamps.Retrieve(ctx, testStampID); err != nil {
		t.Fatal(err)
	}
	if len(ss.auths) != 2 || ss.auths[0] != "" || ss.auths[1] != "" {
		t.Fatalf("credentials sent: %q", ss.auths)
	}
	var kerr *Error
	if _, err := withKey.Stamps.Retrieve(ctx, "stp_unknown0000"); !errors.Is(err, ErrNotFound) || !errors.As(err, &kerr) || kerr.Code != "stamp_not_found" {
		t.Fatalf("404: %v", err)
	}
	// The retrieved stamp verifies.
	if _, err := withoutKey.Stamps.Verify(ctx, got, proof); err != nil {
		t.Fatal(err)
	}
}

func TestStampVerify(t *testing.T) {
	k1 := newTestKey(t, "kid-1")
	js := &jwksServer{keys: []testKey{k1}}
	srv := httptest.NewServer(js)
	defer srv.Close()
	c := NewClient(Options{BaseURL: srv.URL})
	ctx := context.Background()
	proof := k1.sign(t, map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}, claims())
	stamp := makeStamp(t, k1, StampType, proof, nil)
	fails := func(name string, s *Stamp, proof string) {
		t.Helper()
		_, err := c.Stamps.Verify(ctx, s, proof)
		if !errors.Is(err, ErrInvalidStamp) || !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasPrefix(err.Error(), "keyra: invalid stamp: ") {
			t.Fatalf("%s: message %q", name, err)
		}
	}

	// Valid, with and without the proof, and decoded from raw JSON; the JWKS is shared with proofs.
	got, err := c.Stamps.Verify(ctx, stamp, proof)
	if err != nil {
		t.Fatal(err)
	}
	if got.StampID != testStampID || got.ID != testStampID || got.IssuedAtUnix != 1795341871 || got.IssuedAt != stamp.IssuedAt ||
		got.Method != "device" || got.Env != "sandbox" || got.ProofSHA256 != sha256Hex(proof) || got.Raw["iss"] != "http://127.0.0.1:8787" {
		t.Fatalf("%+v", got)
	}
	raw, _ := json.Marshal(stamp)
	var decoded Stamp
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Stamps.Verify(ctx, &decoded, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Proofs.Verify(ctx, proof); err != nil || js.fetches != 1 {
		t.Fatalf("err=%v fetches=%d", err, js.fetches)
	}

	// A field that differs from what was signed.
	for name, change := range map[string]func(s *Stamp){
		"stamp_id":     func(s *Stamp) { s.StampID = "stp_4Qm9xT2bLw8RkZ1yV7nC3pHe" },
		"proof_sha256": func(s *Stamp) { s.ProofSHA256 = sha256Hex("another proof") },
		"issued_at":    func(s *Stamp) { s.IssuedAt = "2026-11-22T10:04:32Z" },
		"method":       func(s *Stamp) { s.Method = "passkey" },
		"environment":  func(s *Stamp) { s.Environment = "production" },
		"empty method": func(s *Stamp) { s.Method = "" },
	} {
		tampered := *stamp
		change(&tampered)
		fails(name, &tampered, "")
	}
	// Signed claims that disagree with the fields, or are missing.
	fails("signed method", makeStamp(t, k1, StampType, proof, map[string]any{"method": "voice"}), "")
	fails("no signed env", makeStamp(t, k1, StampType, proof, map[string]any{"env": nil}), "")
	// Claims changed under the original signature.
	parts := strings.Split(stamp.Signature, ".")
	forged, _ := json.Marshal(map[string]any{"stamp_id": testStampID, "proof_sha256": stamp.ProofSHA256,
		"issued_at": stamp.IssuedAt, "method": "device", "env": "production"})
	tampered := *stamp
	tampered.Environment = "production"
	tampered.Signature = parts[0] + "." + b64(forged) + "." + parts[2]
	fails("forged claims", &tampered, "")

	// typ: a proof is never a stamp, nor a stamp a proof.
	fails("typ proof", makeStamp(t, k1, ProofType, proof, nil), "")
	fails("typ JWT", makeStamp(t, k1, "JWT", proof, nil), "")
	asProof := *stamp
	asProof.Signature = proof
	fails("proof as signature", &asProof, "")
	if _, err := c.Proofs.Verify(ctx, stamp.Signature); !errors.Is(err, ErrInvalidProof) || errors.Is(err, ErrInvalidStamp) {
		t.Fatalf("stamp as proof: %v", err)
	}

	// Another proof than the one committed to.
	other := k1.sign(t, map[string]string{"alg": "ES256", "kid": "kid-1", "typ": ProofType}, claims())
	fails("other proof", stamp, other)
	fails("proof with a space", stamp, proof+" ")

	// Unknown kid (one refetch), a foreign key under a published kid, garbage.
	before := js.fetches
	fails("unknown kid", makeStamp(t, newTestKey(t, "kid-9"), StampType, proof, nil), "")
	if js.fetches != before+1 {
		t.Fatalf("unknown kid refetched %d times", js.fetches-before)
	}
	fails("foreign key", makeStamp(t, newTestKey(t, "kid-1"), StampType, proof, nil), "")
	fails("nil", nil, "")
	empty := *stamp
	empty.Signature = ""
	fails("no signature", &empty, "")
}

func TestUsageRetrieve(t *testing.T) {
	report := `{"object":"usage","environment":"sandbox","from":"2026-11-01","to":"2026-11-02","plan":"pilot",
		"credits":{"granted":1000,"used":3,"remaining":997},"overage":0,
		"totals":{"verifications":3,"credit":3,"overage":0,"byMethod":{"device":2,"passkey":0,"voice":1}},
		"days":[{"date":"2026-11-01","verifications":0,"credit":0,"overage":0,"byMethod":{"device":0,"passkey":0,"voice":0}},
		        {"date":"2026-11-02","verifications":3,"credit":3,"overage":0,"byMethod":{"device":2,"passkey":0,"voice":1}}]}`
	srv, seen := counting(t, reply(200, report))
	c := NewClient(Options{BaseURL: srv.URL, APIKey: "sk_test_x"})
	got, err := c.Usage.Retrieve(context.Background(), UsageParams{From: "2026-11-01", To: "2026-11-02"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Plan != "pilot" || got.Credits.Remaining != 997 || got.Totals.ByMethod.Voice != 1 || len(got.Days) != 2 ||
		got.Days[1].Date != "2026-11-02" || got.Days[1].Verifications != 3 {
		t.Fatalf("%+v", got)
	}
	if _, err := c.Usage.Retrieve(context.Background(), UsageParams{}); err != nil {
		t.Fatal(err)
	}
	a := seen()
	if a[0].path != "/v1/usage?from=2026-11-01&to=2026-11-02" || a[0].auth != "Bearer sk_test_x" || a[1].path != "/v1/usage" {
		t.Fatalf("%+v", a)
	}
}

package keyra_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	keyra "keyra.dev/sdk/v1"
)

// livePayload is what e2e/sdk-go.test.ts approves: text, an integer, a fraction, an exponent and
// a key outside the Basic Multilingual Plane, so the SDK's RFC 8785 digest must equal the server's.
var livePayload = map[string]any{
	"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp",
	"rate": 0.000001, "fee": 1e21, "ratio": 4.5, "\U0001F600": "grinning", "\uFB33": "dalet",
}

// Live tests run against a real server when KEYRA_BASE_URL and KEYRA_API_KEY are set
// (e2e/sdk-go.test.ts starts one); otherwise they are skipped.
func liveClient(t *testing.T) *keyra.Client {
	t.Helper()
	if os.Getenv("KEYRA_BASE_URL") == "" || os.Getenv("KEYRA_API_KEY") == "" {
		t.Skip("set KEYRA_BASE_URL and KEYRA_API_KEY to run the live tests")
	}
	return keyra.NewClient(keyra.Options{}) // env fallbacks, as the seed's samples
}

func TestLiveChallengeCreateRetrieveList(t *testing.T) {
	c := liveClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	userID := "usr_go_" + time.Now().Format("150405.000000")[7:]
	created, err := c.Challenges.Create(ctx, keyra.CreateChallengeParams{
		Action:    "transfer.approve",
		UserID:    userID,
		Payload:   map[string]any{"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"},
		ExpiresIn: 120,
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != keyra.StatusPending || created.ID == "" || created.ExpiresAt == "" {
		t.Fatalf("%+v", created)
	}
	got, err := c.Challenges.Retrieve(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.Action != "transfer.approve" || got.UserID != userID || got.Payload["currency"] != "USD" || len(got.Digest) != 64 || got.Proof != nil {
		t.Fatalf("%+v", got)
	}
	list, err := c.Challenges.List(ctx, keyra.ListChallengesParams{UserID: userID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 1 || list.Data[0].ID != created.ID || list.HasMore {
		t.Fatalf("%+v", list)
	}
}

func TestLiveCancelAndMetadata(t *testing.T) {
	c := liveClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	created, err := c.Challenges.Create(ctx, keyra.CreateChallengeParams{
		Action:   "wire.send",
		UserID:   "usr_go_cancel",
		Payload:  map[string]any{"amount": 1},
		Metadata: map[string]string{"orderId": "ord_go"},
	})
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := c.Challenges.Cancel(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if canceled.ID != created.ID || canceled.Status != keyra.StatusCanceled || canceled.Metadata["orderId"] != "ord_go" {
		t.Fatalf("%+v", canceled)
	}
	again, err := c.Challenges.Cancel(ctx, created.ID)
	if err != nil || again.Status != keyra.StatusCanceled {
		t.Fatalf("second cancel: %+v %v", again, err)
	}
	if _, err := c.Challenges.Cancel(ctx, "chl_doesnotexist0000"); !errors.Is(err, keyra.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestLiveErrorsMapToTypes(t *testing.T) {
	c := liveClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	bad := keyra.NewClient(keyra.Options{APIKey: "sk_test_not_a_real_key"})
	_, err := bad.Challenges.List(ctx, keyra.ListChallengesParams{})
	var kerr *keyra.Error
	if !errors.Is(err, keyra.ErrAuthentication) || !errors.As(err, &kerr) || kerr.Code != "invalid_api_key" || kerr.Status != 401 || kerr.RequestID == "" {
		t.Fatalf("401: %#v", err)
	}

	_, err = c.Challenges.Retrieve(ctx, "chl_doesnotexist000")
	if !errors.Is(err, keyra.ErrNotFound) || !errors.As(err, &kerr) || kerr.Code != "challenge_not_found" || kerr.Status != 404 {
		t.Fatalf("404: %#v", err)
	}

	_, err = c.Challenges.Create(ctx, keyra.CreateChallengeParams{Action: "transfer.approve", UserID: "usr_go", ExpiresIn: 5})
	if !errors.Is(err, keyra.ErrInvalidRequest) || !errors.As(err, &kerr) || kerr.Code != "validation_failed" || kerr.Status != 400 || kerr.Details == nil {
		t.Fatalf("400: %#v", err)
	}
}

func TestLiveVerifyApprovalAndProof(t *testing.T) {
	c := liveClient(t)
	id, body := os.Getenv("KEYRA_TEST_CHALLENGE_ID"), os.Getenv("KEYRA_TEST_VERIFY_BODY")
	if id == "" || body == "" {
		t.Skip("set KEYRA_TEST_CHALLENGE_ID and KEYRA_TEST_VERIFY_BODY (the wrapper prepares an approval)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var answer struct {
		DeviceID    string          `json:"deviceId"`
		Attestation json.RawMessage `json:"attestation"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatal(err)
	}
	result, err := c.Challenges.Verify(ctx, id, keyra.VerifyChallengeParams{DeviceID: answer.DeviceID, Attestation: answer.Attestation})
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != keyra.StatusApproved || result.Proof == nil || result.DeviceID != answer.DeviceID || result.Method != "device" {
		t.Fatalf("%+v", result)
	}
	// The proof carries its binding: the action, payload and audience the wrapper created the
	// challenge with (livePayload, KEYRA_TEST_AUDIENCE), each checked against this SDK's values.
	audience := os.Getenv("KEYRA_TEST_AUDIENCE")
	if audience == "" {
		audience = "default" // the API key's tenant's name
	}
	binding := keyra.ProofVerifyOptions{Action: "transfer.approve", Payload: livePayload, Audience: audience, Issuer: c.BaseURL(), Env: "sandbox"}
	claims, err := c.Proofs.VerifyWith(ctx, *result.Proof, binding)
	if err != nil {
		t.Fatal(err)
	}
	if claims.ChallengeID != id || claims.DeviceID != answer.DeviceID || claims.Env != "sandbox" || claims.Audience != audience || claims.ExpiresAt-claims.IssuedAt != 86400 {
		t.Fatalf("%+v", claims)
	}
	for name, change := range map[string]func(o *keyra.ProofVerifyOptions){
		"another action":   func(o *keyra.ProofVerifyOptions) { o.Action = "wire.send" },
		"another payload":  func(o *keyra.ProofVerifyOptions) { o.Payload = map[string]any{"amount": 12501, "currency": "USD"} },
		"another audience": func(o *keyra.ProofVerifyOptions) { o.Audience = audience + "-other" },
		"after exp":        func(o *keyra.ProofVerifyOptions) { o.Now = time.Unix(claims.ExpiresAt+61, 0) },
		"before iat":       func(o *keyra.ProofVerifyOptions) { o.Now = time.Unix(claims.IssuedAt-61, 0) },
	} {
		wrong := binding
		change(&wrong)
		if _, err := c.Proofs.VerifyWith(ctx, *result.Proof, wrong); !errors.Is(err, keyra.ErrProofVerification) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The same answer again: the challenge is consumed.
	_, err = c.Challenges.Verify(ctx, id, keyra.VerifyChallengeParams{DeviceID: answer.DeviceID, Attestation: answer.Attestation})
	if !errors.Is(err, keyra.ErrConflict) && !errors.Is(err, keyra.ErrUnprocessable) {
		t.Fatalf("second verify: %v", err)
	}
	// A tampered proof is refused.
	if _, err := c.Proofs.Verify(ctx, *result.Proof+"x"); !errors.Is(err, keyra.ErrInvalidProof) {
		t.Fatalf("tampered proof: %v", err)
	}

	// The challenge asked for a stamp: public, and verifiable offline against the proof.
	if result.Stamp == nil {
		t.Fatal("the approval carries no stamp")
	}
	challenge, err := c.Challenges.Retrieve(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !challenge.StampRequested || challenge.StampID == nil || *challenge.StampID != result.Stamp.StampID || challenge.Audience != audience {
		t.Fatalf("%+v", challenge)
	}
	verifier := keyra.NewClient(keyra.Options{BaseURL: c.BaseURL()}) // a fresh JWKS cache
	stamp, err := verifier.Stamps.Retrieve(ctx, result.Stamp.StampID)
	if err != nil {
		t.Fatal(err)
	}
	if stamp.Object != "stamp" || stamp.Signature != result.Stamp.Signature || stamp.ProofSHA256 != result.Stamp.ProofSHA256 || stamp.Method != "device" || stamp.Environment != "sandbox" {
		t.Fatalf("%+v", stamp)
	}
	stampClaims, err := verifier.Stamps.Verify(ctx, stamp, *result.Proof)
	if err != nil {
		t.Fatal(err)
	}
	if stampClaims.StampID != stamp.StampID || stampClaims.ID != stamp.StampID || stampClaims.Issuer != c.BaseURL() || stampClaims.Env != "sandbox" || stampClaims.IssuedAt != stamp.IssuedAt {
		t.Fatalf("%+v", stampClaims)
	}
	changed := *stamp
	changed.Method = "passkey"
	for name, check := range map[string]func() error{
		"another proof":  func() error { _, err := verifier.Stamps.Verify(ctx, stamp, *result.Proof+"x"); return err },
		"changed field":  func() error { _, err := verifier.Stamps.Verify(ctx, &changed, ""); return err },
		"stamp as proof": func() error { _, err := verifier.Proofs.Verify(ctx, stamp.Signature); return err },
	} {
		if err := check(); !errors.Is(err, keyra.ErrInvalidProof) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := verifier.Stamps.Retrieve(ctx, "stp_doesNotExist0000"); !errors.Is(err, keyra.ErrNotFound) {
		t.Fatalf("unknown stamp: %v", err)
	}
	// And the approval is metered.
	usage, err := c.Usage.Retrieve(ctx, keyra.UsageParams{})
	if err != nil {
		t.Fatal(err)
	}
	if usage.Totals.ByMethod.Device < 1 {
		t.Fatalf("%+v", usage.Totals)
	}
}

func TestLiveUsage(t *testing.T) {
	c := liveClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	today := time.Now().UTC().Format("2006-01-02")
	month, err := c.Usage.Retrieve(ctx, keyra.UsageParams{})
	if err != nil {
		t.Fatal(err)
	}
	if month.Object != "usage" || month.Environment != "sandbox" || month.From != today[:8]+"01" || month.To != today ||
		len(month.Days) != time.Now().UTC().Day() || month.Credits.Granted != month.Credits.Used+month.Credits.Remaining {
		t.Fatalf("%+v", month)
	}
	day, err := c.Usage.Retrieve(ctx, keyra.UsageParams{From: today, To: today})
	if err != nil {
		t.Fatal(err)
	}
	byMethod := day.Totals.ByMethod
	if len(day.Days) != 1 || day.Days[0].Date != today || day.Totals.Verifications != byMethod.Device+byMethod.Passkey+byMethod.Voice {
		t.Fatalf("%+v", day)
	}
	_, err = c.Usage.Retrieve(ctx, keyra.UsageParams{From: today, To: "2000-01-01"})
	var kerr *keyra.Error
	if !errors.Is(err, keyra.ErrInvalidRequest) || !errors.As(err, &kerr) || kerr.Code != "invalid_usage_range" {
		t.Fatalf("reversed range: %v", err)
	}
}

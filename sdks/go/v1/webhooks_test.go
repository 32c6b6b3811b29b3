package keyra

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"
)

// independentHeader signs like the server, written from docs/webhooks.md without the SDK.
func independentHeader(t int64, body string, secrets ...string) string {
	h := fmt.Sprintf("t=%d", t)
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(fmt.Sprintf("%d.%s", t, body)))
		h += ",v1=" + hex.EncodeToString(m.Sum(nil))
	}
	return h
}

const (
	secret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8q1B4kG0qMc="
	oldSecret = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="
	eventBody = `{"id":"evt_7Yt5Rw3Eq1Az9Sx8","type":"challenge.approved","created":1780080031,"data":{"challengeId":"chl_Vb6Nm4Kj2Hg8Fd0S","action":"wire.send"}}`
)

func TestWebhookVerify(t *testing.T) {
	w := NewClient(Options{BaseURL: "http://x"}).Webhooks
	now := time.Now().Unix()
	valid := independentHeader(now, eventBody, secret)
	if !w.Verify([]byte(eventBody), valid, secret) {
		t.Fatal("valid signature refused")
	}
	if w.Verify([]byte(eventBody+" "), valid, secret) {
		t.Fatal("tampered body accepted")
	}
	if w.Verify([]byte(eventBody), valid, oldSecret) {
		t.Fatal("wrong secret accepted")
	}
	if w.Verify([]byte(eventBody), independentHeader(now-301, eventBody, secret), secret) {
		t.Fatal("stale delivery accepted")
	}
	if w.Verify([]byte(eventBody), independentHeader(now+301, eventBody, secret), secret) {
		t.Fatal("future delivery accepted")
	}
	if !w.Verify([]byte(eventBody), independentHeader(now-290, eventBody, secret), secret) {
		t.Fatal("delivery within tolerance refused")
	}
	// Rotation: two v1 signatures, the receiver holds either secret.
	rotated := independentHeader(now, eventBody, secret, oldSecret)
	if !w.Verify([]byte(eventBody), rotated, secret) || !w.Verify([]byte(eventBody), rotated, oldSecret) {
		t.Fatal("rotated header refused")
	}
	for _, bad := range []string{"", "garbage", "v1=abcd", "t=abc,v1=00", fmt.Sprintf("t=%d", now), fmt.Sprintf("t=%d,v1=zz", now)} {
		if w.Verify([]byte(eventBody), bad, secret) {
			t.Fatalf("accepted %q", bad)
		}
	}
	// Tampered timestamp: the signature covers t.
	forged := fmt.Sprintf("t=%d,%s", now+1, valid[len(fmt.Sprintf("t=%d,", now)):])
	if w.Verify([]byte(eventBody), forged, secret) {
		t.Fatal("tampered timestamp accepted")
	}
}

func TestWebhookSecretFallbacks(t *testing.T) {
	now := time.Now().Unix()
	header := independentHeader(now, eventBody, secret)
	t.Setenv("KEYRA_WEBHOOK_SECRET", secret)
	if !NewClient(Options{BaseURL: "http://x"}).Webhooks.Verify([]byte(eventBody), header, "") {
		t.Fatal("KEYRA_WEBHOOK_SECRET not used")
	}
	t.Setenv("KEYRA_WEBHOOK_SECRET", "")
	if !NewClient(Options{BaseURL: "http://x", WebhookSecret: secret}).Webhooks.Verify([]byte(eventBody), header, "") {
		t.Fatal("Options.WebhookSecret not used")
	}
	if NewWebhooks("").Verify([]byte(eventBody), header, "") {
		t.Fatal("verified without any secret")
	}
}

func TestConstructEventAndTestHeader(t *testing.T) {
	w := NewWebhooks(secret)
	header := w.GenerateTestHeader([]byte(eventBody), "", time.Time{})
	if header != independentHeader(time.Now().Unix(), eventBody, secret) && header != independentHeader(time.Now().Unix()-1, eventBody, secret) {
		t.Fatalf("GenerateTestHeader differs from the recipe: %s", header)
	}
	ev, err := w.ConstructEvent([]byte(eventBody), header, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := ev.DataMap()
	if err != nil || ev.ID != "evt_7Yt5Rw3Eq1Az9Sx8" || ev.Type != "challenge.approved" || ev.Created != 1780080031 || data["challengeId"] != "chl_Vb6Nm4Kj2Hg8Fd0S" {
		t.Fatalf("%+v %v", ev, err)
	}
	stale := w.GenerateTestHeader([]byte(eventBody), "", time.Now().Add(-10*time.Minute))
	if _, err := w.ConstructEvent([]byte(eventBody), stale, ""); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("stale: %v", err)
	}
}

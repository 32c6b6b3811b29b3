package keyra

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// WebhookTolerance is how far the keyra-signature timestamp may be from the local clock, either
// way, before a delivery is refused as a replay.
const WebhookTolerance = 5 * time.Minute

// SignatureHeader is the header that carries KEYRA's signature.
const SignatureHeader = "keyra-signature"

// Webhooks verifies the keyra-signature header of deliveries: t=UNIX_SECONDS,v1=HEX[,v1=HEX…]
// where HEX is HMAC-SHA256 keyed by the whole whsec_… secret over "t.rawBody". Any v1 may match
// (there are two during a secret rotation). It needs no network and no API key.
type Webhooks struct {
	secret string
	now    func() time.Time
}

// NewWebhooks returns a verifier whose default secret is secret (or $KEYRA_WEBHOOK_SECRET),
// for code that does not need an API client.
func NewWebhooks(secret string) *Webhooks { return &Webhooks{secret: secret, now: time.Now} }

func (w *Webhooks) resolveSecret(secret string) string {
	if secret != "" {
		return secret
	}
	if w != nil && w.secret != "" {
		return w.secret
	}
	return os.Getenv("KEYRA_WEBHOOK_SECRET")
}

func (w *Webhooks) clock() time.Time {
	if w != nil && w.now != nil {
		return w.now()
	}
	return time.Now()
}

// Verify reports whether header (the keyra-signature value) signs rawBody with secret and its
// timestamp is within 5 minutes of now. Pass the raw body bytes exactly as received. An empty
// secret falls back to Options.WebhookSecret, then $KEYRA_WEBHOOK_SECRET.
func (w *Webhooks) Verify(rawBody []byte, header string, secret string) bool {
	return w.check(rawBody, header, secret) == nil
}

// ConstructEvent verifies the delivery like Verify and decodes its body. It returns an error
// matching ErrInvalidSignature when the signature does not verify.
func (w *Webhooks) ConstructEvent(rawBody []byte, header string, secret string) (Event, error) {
	var ev Event
	if err := w.check(rawBody, header, secret); err != nil {
		return ev, err
	}
	if err := json.Unmarshal(rawBody, &ev); err != nil {
		return Event{}, fmt.Errorf("keyra: decoding webhook event: %w", err)
	}
	return ev, nil
}

// GenerateTestHeader signs payload the way the server does, for tests of your webhook handler.
// A zero timestamp means now; an empty secret falls back like Verify.
func (w *Webhooks) GenerateTestHeader(payload []byte, secret string, timestamp time.Time) string {
	if timestamp.IsZero() {
		timestamp = w.clock()
	}
	t := strconv.FormatInt(timestamp.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(sign(w.resolveSecret(secret), t, payload))
}

func sign(secret, t string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidSignature, reason) }

func (w *Webhooks) check(rawBody []byte, header string, secret string) error {
	secret = w.resolveSecret(secret)
	if secret == "" {
		return invalid("no webhook secret (pass one or set KEYRA_WEBHOOK_SECRET)")
	}
	t := ""
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch name {
		case "t":
			if t == "" {
				t = value
			}
		case "v1":
			sigs = append(sigs, value)
		}
	}
	if t == "" || strings.Trim(t, "0123456789") != "" || len(t) > 15 {
		return invalid("missing or malformed timestamp")
	}
	ts, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return invalid("malformed timestamp")
	}
	age := w.clock().Sub(time.Unix(ts, 0))
	if age > WebhookTolerance || age < -WebhookTolerance {
		return invalid("timestamp outside the 5-minute tolerance")
	}
	expected := sign(secret, t, rawBody)
	matched := false
	for _, s := range sigs {
		given, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		if hmac.Equal(given, expected) {
			matched = true
		}
	}
	if !matched {
		return invalid("no v1 signature matches")
	}
	return nil
}

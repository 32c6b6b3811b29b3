package keyra

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestAnyRetryAfterIsRetried409IdempotencyKeyInUse(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t,
		reply(409, `{"code":"idempotency_key_in_use","message":"still running"}`, "Retry-After", "0"),
		reply(201, created),
	)
	c := newTestClient(srv.URL, 2)
	got, err := c.Challenges.Create(context.Background(), CreateChallengeParams{Action: "a.b", UserID: "usr_1"})
	if err != nil || got.ID != "chl_abcd1234" {
		t.Fatalf("got %+v, %v", got, err)
	}
	a := seen()
	if len(a) != 2 || a[0].idemKey == "" || a[0].idemKey != a[1].idemKey || a[0].body != a[1].body {
		t.Fatalf("attempts %+v", a)
	}
}

func TestRetryAfterBeyondTheCapIsReturnedAtOnce(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t, reply(429, `{"code":"rate_limit_exceeded","message":"slow"}`, "Retry-After", "3600"))
	started := time.Now()
	_, err := newTestClient(srv.URL, 2).Events.List(context.Background(), 5)
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.RetryAfter != time.Hour || len(seen()) != 1 {
		t.Fatalf("err=%v attempts=%d", err, len(seen()))
	}
	if time.Since(started) > 2*time.Second {
		t.Fatal("waited for a Retry-After beyond the cap")
	}
}

func TestRetryDelayPolicy(t *testing.T) {
	c := NewClient(Options{APIKey: "k", MaxRetries: 2})
	after := func(v string) http.Header { return http.Header{"Retry-After": []string{v}} }
	for _, tc := range []struct {
		attempt, status int
		header          http.Header
		want            time.Duration
		retry           bool
	}{
		{0, 409, after("2"), 2 * time.Second, true},
		{0, 409, nil, 0, false},
		{0, 404, nil, 0, false},
		{0, 202, after("2"), 0, false},
		{0, 429, after("3600"), time.Hour, false},
		{2, 503, nil, 0, false},
		{0, 503, after("0"), 0, true},
	} {
		d, retry := c.retryDelay(tc.attempt, tc.status, tc.header)
		if retry != tc.retry || (tc.want != 0 && d != tc.want) {
			t.Fatalf("%+v: got %v %v", tc, d, retry)
		}
	}
	if _, retry := c.retryDelay(0, 0, nil); !retry {
		t.Fatal("a network error is retried")
	}
	if _, retry := c.retryDelay(1, 500, nil); !retry {
		t.Fatal("a 500 is retried")
	}
}

func TestSentinelNamesMatchTheOtherSDKs(t *testing.T) {
	attestation := &Error{Status: 422, Code: "attestation_invalid"}
	if !errors.Is(attestation, ErrAttestationInvalid) || !errors.Is(attestation, ErrInvalidRequest) || !errors.Is(attestation, ErrUnprocessable) {
		t.Fatal("422 attestation_invalid is ErrAttestationInvalid, ErrInvalidRequest and ErrUnprocessable")
	}
	if errors.Is(&Error{Status: 422, Code: "idempotency_key_reused"}, ErrAttestationInvalid) {
		t.Fatal("only attestation_invalid is ErrAttestationInvalid")
	}
	if !errors.Is(&Error{Status: 405}, ErrInvalidRequest) || errors.Is(&Error{Status: 404}, ErrInvalidRequest) {
		t.Fatal("ErrInvalidRequest is the 4xx without a sentinel of their own")
	}
	if !errors.Is(ErrAttestationInvalid, ErrInvalidRequest) || !errors.Is(ErrInvalidStamp, ErrProofVerification) {
		t.Fatal("narrower sentinels match their broader one")
	}
	// The former names are the same values.
	if ErrServer != ErrAPI || ErrConnection != ErrAPIConnection || ErrInvalidSignature != ErrWebhookSignature || ErrInvalidProof != ErrProofVerification {
		t.Fatal("deprecated aliases differ")
	}
	if !IsRetryable(&Error{Status: 409, RetryAfter: time.Second}) || IsRetryable(&Error{Status: 409}) {
		t.Fatal("IsRetryable follows the policy: Retry-After makes an answer retryable")
	}
	if !errors.Is(&ConnectionError{Err: errors.New("x")}, ErrAPIConnection) || !errors.Is(&Error{Status: 502}, ErrServer) {
		t.Fatal("aliases match")
	}
}

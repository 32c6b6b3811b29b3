package keyra

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func fastBackoff(t *testing.T) {
	t.Helper()
	base, max := retryBaseDelay, retryMaxDelay
	retryBaseDelay, retryMaxDelay = 5*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { retryBaseDelay, retryMaxDelay = base, max })
}

type attempt struct {
	at      time.Time
	method  string
	path    string
	idemKey string
	auth    string
	apiKey  string
	body    string
}

// counting serves the scripted answers in order (the last one repeats) and records each attempt.
func counting(t *testing.T, answers ...func(w http.ResponseWriter)) (*httptest.Server, func() []attempt) {
	t.Helper()
	var mu sync.Mutex
	var seen []attempt
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(seen)
		seen = append(seen, attempt{time.Now(), r.Method, r.URL.RequestURI(), r.Header.Get("Idempotency-Key"),
			r.Header.Get("Authorization"), r.Header.Get("x-api-key"), string(b)})
		mu.Unlock()
		if n >= len(answers) {
			n = len(answers) - 1
		}
		answers[n](w)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []attempt {
		mu.Lock()
		defer mu.Unlock()
		return append([]attempt(nil), seen...)
	}
}

func reply(status int, body string, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const created = `{"id":"chl_abcd1234","status":"pending","expiresAt":"2026-05-29T18:42:00Z"}`

func newTestClient(url string, retries int) *Client {
	return NewClient(Options{APIKey: "sk_test_unit", BaseURL: url, MaxRetries: retries})
}

func TestRetryAfterHonouredOn429AndSameIdempotencyKey(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t,
		reply(429, `{"code":"rate_limit_exceeded","message":"slow down"}`, "Retry-After", "1"),
		reply(201, created),
	)
	c := newTestClient(srv.URL, 2)
	got, err := c.Challenges.Create(context.Background(), CreateChallengeParams{Action: "transfer.approve", UserID: "usr_1", Payload: map[string]any{"amount": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "chl_abcd1234" || got.Status != "pending" {
		t.Fatalf("unexpected %+v", got)
	}
	a := seen()
	if len(a) != 2 {
		t.Fatalf("attempts = %d, want 2", len(a))
	}
	if gap := a[1].at.Sub(a[0].at); gap < 950*time.Millisecond {
		t.Fatalf("retried after %v, Retry-After asked for 1 s", gap)
	}
	if a[0].idemKey == "" || a[0].idemKey != a[1].idemKey {
		t.Fatalf("idempotency keys %q %q", a[0].idemKey, a[1].idemKey)
	}
	if a[0].auth != "Bearer sk_test_unit" || a[0].body != a[1].body {
		t.Fatalf("auth %q bodies %q %q", a[0].auth, a[0].body, a[1].body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(a[0].body), &body); err != nil || body["userId"] != "usr_1" || body["expiresIn"] != nil {
		t.Fatalf("body %s", a[0].body)
	}
}

func TestServerErrorsRetriedThenReturned(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t, reply(500, `{"code":"internal_error","message":"boom"}`, "Request-Id", "req_1"))
	c := newTestClient(srv.URL, 3)
	_, err := c.Challenges.Create(context.Background(), CreateChallengeParams{Action: "a.b", UserID: "u"})
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v", err)
	}
	var kerr *Error
	if !errors.As(err, &kerr) || kerr.Code != "internal_error" || kerr.Status != 500 || kerr.RequestID != "req_1" {
		t.Fatalf("err = %#v", err)
	}
	a := seen()
	if len(a) != 4 {
		t.Fatalf("attempts = %d, want 1 + 3 retries", len(a))
	}
	for _, x := range a[1:] {
		if x.idemKey != a[0].idemKey {
			t.Fatal("idempotency key changed across retries")
		}
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t, reply(503, `{"code":"service_unavailable","message":"db"}`), reply(502, ``), reply(200, `{"id":"chl_abcd1234","status":"approved","action":"a.b","userId":"u","payload":{},"digest":"00","createdAt":"x","expiresAt":"y","decidedAt":null,"deviceId":null,"method":null,"proof":null}`))
	c := newTestClient(srv.URL, 2)
	ch, err := c.Challenges.Retrieve(context.Background(), "chl_abcd1234")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Status != "approved" || ch.Proof != nil || len(seen()) != 3 {
		t.Fatalf("%+v after %d attempts", ch, len(seen()))
	}
	if seen()[0].idemKey != "" {
		t.Fatal("GET must not carry an Idempotency-Key")
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	fastBackoff(t)
	for _, tc := range []struct {
		status   int
		body     string
		sentinel error
		code     string
	}{
		{400, `{"code":"validation_failed","message":"Invalid request: expiresIn must be integer.","details":[{"field":"expiresIn","issue":"type","message":"must be integer"}]}`, ErrInvalidRequest, "validation_failed"},
		{401, `{"code":"invalid_api_key","message":"Missing or invalid API key."}`, ErrAuthentication, "invalid_api_key"},
		{403, `{"code":"forbidden_environment","message":"no"}`, ErrPermissionDenied, "forbidden_environment"},
		{404, `{"code":"challenge_not_found","message":"none"}`, ErrNotFound, "challenge_not_found"},
		{409, `{"code":"challenge_already_used","message":"used"}`, ErrConflict, "challenge_already_used"},
		{410, `{"code":"challenge_expired","message":"late"}`, ErrGone, "challenge_expired"},
		{422, `{"code":"attestation_invalid","message":"bad"}`, ErrUnprocessable, "attestation_invalid"},
		{415, `not json`, ErrInvalidRequest, "http_415"},
	} {
		srv, seen := counting(t, reply(tc.status, tc.body, "Request-Id", "req_x"))
		c := newTestClient(srv.URL, 3)
		_, err := c.Challenges.Verify(context.Background(), "chl_abcd1234", VerifyChallengeParams{DeviceID: "dev_1", Attestation: json.RawMessage(`{"id":"x"}`)})
		if n := len(seen()); n != 1 {
			t.Fatalf("%d: attempts = %d, want 1", tc.status, n)
		}
		if !errors.Is(err, tc.sentinel) {
			t.Fatalf("%d: %v is not %v", tc.status, err, tc.sentinel)
		}
		if errors.Is(err, ErrNotFound) != (tc.status == 404) || IsRetryable(err) {
			t.Fatalf("%d: wrong classification", tc.status)
		}
		var kerr *Error
		if !errors.As(err, &kerr) || kerr.Code != tc.code || kerr.Status != tc.status || kerr.RequestID != "req_x" || kerr.Message == "" {
			t.Fatalf("%d: %#v", tc.status, kerr)
		}
		if tc.status == 400 {
			d, ok := kerr.Details.([]any)
			if !ok || len(d) != 1 || d[0].(map[string]any)["field"] != "expiresIn" {
				t.Fatalf("details %#v", kerr.Details)
			}
		}
	}
}

func TestRateLimitExhaustedCarriesRetryAfter(t *testing.T) {
	fastBackoff(t)
	srv, seen := counting(t, reply(429, `{"code":"rate_limit_exceeded","message":"slow"}`, "Retry-After", "0"))
	c := newTestClient(srv.URL, -1)
	_, err := c.Events.List(context.Background(), 5)
	if !errors.Is(err, ErrRateLimit) || !IsRetryable(err) || len(seen()) != 1 {
		t.Fatalf("err=%v attempts=%d", err, len(seen()))
	}
	if seen()[0].path != "/v1/events?limit=5" {
		t.Fatal(seen()[0].path)
	}
}

func TestNetworkErrorsRetried(t *testing.T) {
	fastBackoff(t)
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n < 3 {
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close() // drop the connection: a network error
			return
		}
		reply(201, created)(w)
	}))
	defer srv.Close()
	c := newTestClient(srv.URL, 2)
	if _, err := c.Challenges.Create(context.Background(), CreateChallengeParams{Action: "a.b", UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] {
		t.Fatalf("keys %v", keys)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	_, err := newTestClient(url, 1).Challenges.Retrieve(context.Background(), "chl_abcd1234")
	if !errors.Is(err, ErrConnection) {
		t.Fatalf("err = %v", err)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	srv, seen := counting(t, reply(429, `{"code":"rate_limit_exceeded","message":"slow"}`, "Retry-After", "30"))
	c := newTestClient(srv.URL, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Challenges.List(ctx, ListChallengesParams{UserID: "u", Limit: 3})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second || len(seen()) != 1 {
		t.Fatalf("err=%v after %v, %d attempts", err, time.Since(start), len(seen()))
	}
}

func TestExplicitIdempotencyKeyAndVoiceHeader(t *testing.T) {
	srv, seen := counting(t, reply(200, `{"phrase_id":"pc_1","prompt":"red fox 1 2","expires_at":"z"}`))
	c := newTestClient(srv.URL, 0)
	ctx := WithIdempotencyKey(context.Background(), "job-42")
	p, err := c.Voice.Phrase(ctx, PhraseParams{Wallet: "0xabc"})
	if err != nil || p.PhraseID != "pc_1" {
		t.Fatal(p, err)
	}
	a := seen()[0]
	if a.idemKey != "job-42" || a.apiKey != "sk_test_unit" || a.auth != "" || a.path != "/api/v1/phrase" {
		t.Fatalf("%+v", a)
	}
}

func TestEnvFallbacks(t *testing.T) {
	t.Setenv("KEYRA_API_KEY", "sk_test_env")
	t.Setenv("KEYRA_BASE_URL", "http://example.invalid:1/")
	c := NewClient(Options{})
	if c.apiKey != "sk_test_env" || c.BaseURL() != "http://example.invalid:1" || c.maxRetries != DefaultMaxRetries || c.timeout != DefaultTimeout {
		t.Fatalf("%+v", c)
	}
	t.Setenv("KEYRA_BASE_URL", "")
	if NewClient(Options{}).BaseURL() != DefaultBaseURL {
		t.Fatal("default base URL")
	}
}

func TestParseRetryAfter(t *testing.T) {
	if parseRetryAfter("2") != 2*time.Second || parseRetryAfter("") != 0 || parseRetryAfter("junk") != 0 {
		t.Fatal("seconds")
	}
	if d := parseRetryAfter(time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)); d <= time.Second || d > 3*time.Second {
		t.Fatalf("http date: %v", d)
	}
}

func TestBackoffCappedWithJitter(t *testing.T) {
	c := newTestClient("http://x", 0)
	for i := 0; i < 20; i++ {
		d := c.backoff(i)
		want := retryBaseDelay << uint(i)
		if i > 10 || want > retryMaxDelay {
			want = retryMaxDelay
		}
		if d < want/2 || d > want {
			t.Fatalf("attempt %d: %v not in [%v, %v]", i, d, want/2, want)
		}
	}
}

// Package keyra is the Go SDK of KEYRA, the human-authorization server: typed clients for the
// challenge, credential, device, webhook-endpoint, event, stamp, usage and voice APIs, with
// retries, webhook signature verification and offline proof and stamp verification. Standard
// library only.
package keyra

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version of this SDK, sent in the User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is used when neither Options.BaseURL nor KEYRA_BASE_URL is set.
const DefaultBaseURL = "http://127.0.0.1:8787"

// Defaults of Options.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 2
)

// Backoff parameters: attempt n (0-based) waits a random duration in [d/2, d] with
// d = min(retryBaseDelay * 2^n, retryMaxDelay), unless the server sent Retry-After, which is
// honoured up to retryAfterCap (see retryDelay).
var (
	retryBaseDelay = 500 * time.Millisecond
	retryMaxDelay  = 8 * time.Second
	retryAfterCap  = 60 * time.Second
)

// Options configure a Client. Every field is optional.
type Options struct {
	// APIKey is the secret key sk_test_… / sk_live_…; defaults to $KEYRA_API_KEY.
	APIKey string
	// BaseURL of the KEYRA server; defaults to $KEYRA_BASE_URL, then http://127.0.0.1:8787.
	BaseURL string
	// Timeout of each HTTP attempt; defaults to 30 s.
	Timeout time.Duration
	// MaxRetries after the first attempt for network errors, 429 and 5xx; defaults to 2.
	// Set a negative value to disable retries.
	MaxRetries int
	// HTTPClient sends the requests; defaults to a new http.Client.
	HTTPClient *http.Client
	// WebhookSecret (whsec_…) used by Webhooks when no secret is passed; defaults to
	// $KEYRA_WEBHOOK_SECRET.
	WebhookSecret string
}

// Client talks to one KEYRA server. It is safe for concurrent use.
type Client struct {
	apiKey     string
	baseURL    string
	timeout    time.Duration
	maxRetries int
	httpClient *http.Client

	Challenges       *ChallengesService
	Credentials      *CredentialsService
	Devices          *DevicesService
	WebhookEndpoints *WebhookEndpointsService
	Events           *EventsService
	Audit            *AuditService
	Policies         *PoliciesService
	ApproverGroups   *ApproverGroupsService
	Voice            *VoiceService
	Webhooks         *Webhooks
	Proofs           *ProofsService
	Stamps           *StampsService
	Usage            *UsageService

	randMu sync.Mutex
	rand   *mrand.Rand
}

// NewClient returns a client configured from opts and the environment (KEYRA_API_KEY,
// KEYRA_BASE_URL, KEYRA_WEBHOOK_SECRET).
func NewClient(opts Options) *Client {
	c := &Client{
		apiKey:     opts.APIKey,
		baseURL:    opts.BaseURL,
		timeout:    opts.Timeout,
		maxRetries: opts.MaxRetries,
		httpClient: opts.HTTPClient,
		rand:       mrand.New(mrand.NewSource(time.Now().UnixNano())),
	}
	if c.apiKey == "" {
		c.apiKey = os.Getenv("KEYRA_API_KEY")
	}
	if c.baseURL == "" {
		c.baseURL = os.Getenv("KEYRA_BASE_URL")
	}
	if c.baseURL == "" {
		c.baseURL = DefaultBaseURL
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if opts.MaxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	} else if opts.MaxRetries < 0 {
		c.maxRetries = 0
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{}
	}
	c.Challenges = &ChallengesService{c}
	c.Credentials = &CredentialsService{c}
	c.Devices = &DevicesService{c}
	c.WebhookEndpoints = &WebhookEndpointsService{c}
	c.Events = &EventsService{c}
	c.Audit = &AuditService{c}
	c.Policies = &PoliciesService{c}
	c.ApproverGroups = &ApproverGroupsService{c}
	c.Voice = &VoiceService{c}
	c.Webhooks = &Webhooks{secret: opts.WebhookSecret, now: time.Now}
	// Proofs and stamps are signed with the same keys: one JWKS cache serves both.
	keys := &jwksCache{client: c}
	c.Proofs = &ProofsService{jwks: keys}
	c.Stamps = &StampsService{c: c, jwks: keys}
	c.Usage = &UsageService{c}
	return c
}

// BaseURL returns the server address the client uses.
func (c *Client) BaseURL() string { return c.baseURL }

type idempotencyKeyCtx struct{}

// WithIdempotencyKey returns a context that makes the next POST use key as its Idempotency-Key
// (instead of a random one), e.g. to make a retry of your own job replay the stored answer.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, key)
}

func newIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return "keyra-go-" + hex.EncodeToString(b[:])
}

type authStyle int

const (
	authBearer authStyle = iota
	authAPIKeyHeader
	authNone
)

type request struct {
	method string
	path   string
	query  url.Values
	body   any
	auth   authStyle
}

// do sends req with retries and decodes a 2xx JSON answer into out (when non-nil).
func (c *Client) do(ctx context.Context, req request, out any) error {
	var payload []byte
	if req.body != nil {
		b, err := json.Marshal(req.body)
		if err != nil {
			return fmt.Errorf("keyra: encoding request body: %w", err)
		}
		payload = b
	} else if req.method == http.MethodPost || req.method == http.MethodPatch {
		payload = []byte("{}")
	}
	idemKey := ""
	if req.method == http.MethodPost {
		if k, ok := ctx.Value(idempotencyKeyCtx{}).(string); ok && k != "" {
			idemKey = k
		} else {
			idemKey = newIdempotencyKey()
		}
	}
	target := c.baseURL + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}

	for attempt := 0; ; attempt++ {
		status, header, body, err := c.send(ctx, req, target, payload, idemKey)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if d, retry := c.retryDelay(attempt, 0, nil); retry {
				if werr := sleep(ctx, d); werr != nil {
					return werr
				}
				continue
			}
			return &ConnectionError{Err: err}
		}
		if status >= 200 && status < 300 {
			if raw, ok := out.(*[]byte); ok {
				// A body that is not one JSON document (the NDJSON audit export): handed back as is.
				*raw = body
				return nil
			}
			if out == nil || len(bytes.TrimSpace(body)) == 0 {
				return nil
			}
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("keyra: decoding %s %s response: %w", req.method, req.path, err)
			}
			return nil
		}
		if d, retry := c.retryDelay(attempt, status, header); retry {
			if werr := sleep(ctx, d); werr != nil {
				return werr
			}
			continue
		}
		return parseError(status, header, body)
	}
}

func (c *Client) send(ctx context.Context, req request, target string, payload []byte, idemKey string) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, target, body)
	if err != nil {
		return 0, nil, nil, err
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "keyra-go/"+Version)
	if payload != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		hreq.Header.Set("Idempotency-Key", idemKey)
	}
	switch req.auth {
	case authBearer:
		if c.apiKey != "" {
			hreq.Header.Set("Authorization", "Bearer "+c.apiKey)
		}
	case authAPIKeyHeader:
		if c.apiKey != "" {
			hreq.Header.Set("x-api-key", c.apiKey)
		}
	}
	res, err := c.httpClient.Do(hreq)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return res.StatusCode, res.Header, data, nil
}

// retryDelay is the retry policy: how long to wait before retrying attempt number attempt
// (0-based), or false to give up and return the answer. status is 0 when no answer came.
//
// Retried: no answer at all (refused, reset, timeout), 429, 5xx, and any error answer that
// carries Retry-After (the server saying "try again then", e.g. 409 idempotency_key_in_use while
// the first attempt with the same key still runs). Never a success nor another 4xx: resending
// the same request cannot fix it. The wait is the server's Retry-After when it sent one, unless
// that exceeds retryAfterCap (then the error is returned at once, with its RetryAfter), else
// capped exponential backoff with jitter.
func (c *Client) retryDelay(attempt, status int, header http.Header) (time.Duration, bool) {
	if attempt >= c.maxRetries {
		return 0, false
	}
	if status == 0 {
		return c.backoff(attempt), true
	}
	retryAfter, hasRetryAfter := retryAfterOf(header)
	if status < 400 || !(hasRetryAfter || status == 429 || status >= 500) {
		return 0, false
	}
	if hasRetryAfter {
		return retryAfter, retryAfter <= retryAfterCap
	}
	return c.backoff(attempt), true
}

// sleep waits d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := retryBaseDelay
	for i := 0; i < attempt && d < retryMaxDelay; i++ {
		d *= 2
	}
	if d > retryMaxDelay {
		d = retryMaxDelay
	}
	half := int64(d / 2)
	if half <= 0 {
		return d
	}
	c.randMu.Lock()
	j := c.rand.Int63n(half + 1)
	c.randMu.Unlock()
	return time.Duration(half + j)
}

// parseRetryAfter is a Retry-After value (delta-seconds or an HTTP date) as a duration, 0 when
// absent or invalid.
func parseRetryAfter(v string) time.Duration {
	d, _ := parseRetryAfterValue(v)
	return d
}

// retryAfterOf reports the Retry-After of an answer and whether it sent a valid one.
func retryAfterOf(header http.Header) (time.Duration, bool) {
	if header == nil {
		return 0, false
	}
	return parseRetryAfterValue(header.Get("Retry-After"))
}

func parseRetryAfterValue(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs != secs {
			return 0, true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

func parseError(status int, header http.Header, body []byte) *Error {
	e := &Error{}
	if err := json.Unmarshal(body, e); err != nil || e.Code == "" {
		e = &Error{Code: codeForStatus(status), Message: strings.TrimSpace(string(body))}
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	e.Status = status
	e.RequestID = header.Get("Request-Id")
	e.RetryAfter = parseRetryAfter(header.Get("Retry-After"))
	return e
}

func codeForStatus(status int) string {
	switch {
	case status == 401:
		return "invalid_api_key"
	case status == 404:
		return "route_not_found"
	case status == 429:
		return "rate_limit_exceeded"
	case status == 503:
		return "service_unavailable"
	case status >= 500:
		return "internal_error"
	}
	return "http_" + strconv.Itoa(status)
}

func pathID(id string) (string, error) {
	if id == "" {
		return "", errors.New("keyra: empty id")
	}
	return url.PathEscape(id), nil
}

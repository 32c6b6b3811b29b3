package keyra

import (
	"errors"
	"fmt"
	"time"
)

// Error is returned for every answer of the API that is not a success. Code is the
// machine-readable code of docs/errors.md (e.g. "challenge_expired"), Status the HTTP status,
// Details the decoded "details" member when present (validation errors list each failing field),
// and RequestID the Request-Id header to quote when reporting a problem.
//
// Match a class of errors with errors.Is and the sentinels below, or look at Code:
//
//	var kerr *keyra.Error
//	if errors.As(err, &kerr) && kerr.Code == "challenge_expired" { … }
//	if errors.Is(err, keyra.ErrNotFound) { … }
type Error struct {
	Code      string `json:"code"`
	Status    int    `json:"-"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"-"`
	// RetryAfter is the server's Retry-After (for 429 and some 409/5xx answers), zero when absent.
	RetryAfter time.Duration `json:"-"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("keyra: %d %s: %s", e.Status, e.Code, e.Message)
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// Sentinels for errors.Is. An *Error matches the sentinel of its HTTP status class. Their names
// are the error classes of the TypeScript and Python SDKs without "Error", after "Err"
// (NotFoundError → ErrNotFound); docs/sdks.md has the table.
var (
	// ErrInvalidRequest: 400, 405, 413, 415, 422 and any other 4xx without a sentinel of its own
	// (validation_failed, unknown_field, invalid_json, idempotency_key_reused, …).
	ErrInvalidRequest = errors.New("keyra: invalid request")
	// ErrAttestationInvalid: 422 attestation_invalid (also matches ErrInvalidRequest).
	ErrAttestationInvalid error = &narrowerError{msg: "keyra: attestation invalid", broader: ErrInvalidRequest}
	// ErrAuthentication: 401 invalid_api_key.
	ErrAuthentication = errors.New("keyra: authentication failed")
	// ErrPermissionDenied: 403 forbidden_environment.
	ErrPermissionDenied = errors.New("keyra: permission denied")
	// ErrNotFound: 404 (challenge_not_found, device_not_found, route_not_found, …).
	ErrNotFound = errors.New("keyra: not found")
	// ErrConflict: 409 (challenge_already_used, credential_already_registered, idempotency_key_in_use).
	ErrConflict = errors.New("keyra: conflict")
	// ErrGone: 410 challenge_expired.
	ErrGone = errors.New("keyra: gone")
	// ErrUnprocessable: 422 (attestation_invalid, idempotency_key_reused); a finer view of
	// ErrInvalidRequest.
	ErrUnprocessable = errors.New("keyra: unprocessable")
	// ErrRateLimit: 429 rate_limit_exceeded (after the retries were used up).
	ErrRateLimit = errors.New("keyra: rate limit exceeded")
	// ErrAPI: any 5xx (after the retries were used up).
	ErrAPI = errors.New("keyra: server error")
	// ErrAPIConnection: the request never got an HTTP answer (after the retries were used up).
	ErrAPIConnection = errors.New("keyra: connection error")
	// ErrWebhookSignature: a webhook whose keyra-signature does not verify (ConstructEvent).
	ErrWebhookSignature = errors.New("keyra: invalid webhook signature")
	// ErrProofVerification: a proof that is malformed, not ES256, or whose signature does not verify.
	ErrProofVerification = errors.New("keyra: invalid proof")
	// ErrInvalidStamp: a stamp whose signature does not verify, whose fields differ from what
	// was signed, or that commits to another proof (Stamps.Verify). It also matches
	// ErrProofVerification, the one sentinel of failed offline verifications.
	ErrInvalidStamp error = &narrowerError{msg: "keyra: invalid stamp", broader: ErrProofVerification}
)

// Former names of the sentinels, kept so that existing code compiles: the same values.
var (
	// Deprecated: use ErrAPI.
	ErrServer = ErrAPI
	// Deprecated: use ErrAPIConnection.
	ErrConnection = ErrAPIConnection
	// Deprecated: use ErrWebhookSignature.
	ErrInvalidSignature = ErrWebhookSignature
	// Deprecated: use ErrProofVerification.
	ErrInvalidProof = ErrProofVerification
)

// narrowerError is a sentinel that errors.Is also matches against a broader one.
type narrowerError struct {
	msg     string
	broader error
}

func (e *narrowerError) Error() string { return e.msg }

func (e *narrowerError) Unwrap() error { return e.broader }

// Is makes errors.Is(err, keyra.ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalidRequest:
		switch e.Status {
		case 401, 403, 404, 409, 410, 429:
			return false
		}
		return e.Status >= 400 && e.Status < 500
	case ErrAttestationInvalid:
		return e.Code == "attestation_invalid"
	case ErrAuthentication:
		return e.Status == 401
	case ErrPermissionDenied:
		return e.Status == 403
	case ErrNotFound:
		return e.Status == 404
	case ErrConflict:
		return e.Status == 409
	case ErrGone:
		return e.Status == 410
	case ErrUnprocessable:
		return e.Status == 422
	case ErrRateLimit:
		return e.Status == 429
	case ErrAPI:
		return e.Status >= 500
	}
	return false
}

// ConnectionError wraps the transport error of the last attempt when no HTTP answer came.
type ConnectionError struct{ Err error }

func (e *ConnectionError) Error() string { return "keyra: connection error: " + e.Err.Error() }

// Unwrap returns the transport error.
func (e *ConnectionError) Unwrap() error { return e.Err }

// Is matches ErrAPIConnection.
func (e *ConnectionError) Is(target error) bool { return target == ErrAPIConnection }

// IsRetryable reports whether err is one the client retries: a network error, 429, 5xx, or an
// error answer that carried Retry-After (e.g. 409 idempotency_key_in_use); see retryDelay.
func IsRetryable(err error) bool {
	var kerr *Error
	if errors.As(err, &kerr) && kerr.RetryAfter > 0 {
		return true
	}
	return errors.Is(err, ErrAPIConnection) || errors.Is(err, ErrRateLimit) || errors.Is(err, ErrAPI)
}

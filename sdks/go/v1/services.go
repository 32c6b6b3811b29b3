package keyra

import (
	"context"
	"net/url"
	"strconv"
)

// ChallengesService covers /v1/challenges.
type ChallengesService struct{ c *Client }

// Create issues a single-use challenge (POST /v1/challenges).
func (s *ChallengesService) Create(ctx context.Context, params CreateChallengeParams) (*CreatedChallenge, error) {
	out := &CreatedChallenge{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/challenges", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads one challenge (GET /v1/challenges/:id).
func (s *ChallengesService) Retrieve(ctx context.Context, id string) (*Challenge, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Challenge{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/challenges/" + p}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// List reads one page of challenges, newest first (GET /v1/challenges).
func (s *ChallengesService) List(ctx context.Context, params ListChallengesParams) (*ChallengeList, error) {
	q := url.Values{}
	setQ(q, "status", params.Status)
	setQ(q, "userId", params.UserID)
	setQ(q, "action", params.Action)
	setQ(q, "createdFrom", params.CreatedFrom)
	setQ(q, "createdTo", params.CreatedTo)
	setQ(q, "cursor", params.Cursor)
	if params.Limit > 0 {
		q.Set("limit", strconv.Itoa(params.Limit))
	}
	out := &ChallengeList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/challenges", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Cancel withdraws a pending challenge (POST /v1/challenges/:id/cancel): it becomes "canceled" and
// the human can no longer approve it. Cancelling it again returns it as is; a decided or expired
// challenge is refused with ErrConflict (code challenge_not_cancelable).
func (s *ChallengesService) Cancel(ctx context.Context, id string) (*Challenge, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Challenge{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/challenges/" + p + "/cancel", body: map[string]any{}}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Verify checks a device's or passkey's answer (POST /v1/challenges/:id/verify). On approval the
// result carries a proof; check it with Client.Proofs.Verify.
func (s *ChallengesService) Verify(ctx context.Context, id string, params VerifyChallengeParams) (*VerifiedChallenge, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &VerifiedChallenge{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/challenges/" + p + "/verify", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CredentialsService covers the WebAuthn ceremonies under /v1/credentials.
type CredentialsService struct{ c *Client }

// RegistrationOptions returns WebAuthn creation options (POST /v1/credentials/register).
func (s *CredentialsService) RegistrationOptions(ctx context.Context, params RegistrationOptionsParams) (WebAuthnOptions, error) {
	var out WebAuthnOptions
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/credentials/register", body: params}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyRegistration checks the credential and pairs it as a device
// (POST /v1/credentials/register/verify).
func (s *CredentialsService) VerifyRegistration(ctx context.Context, params VerifyRegistrationParams) (*Device, error) {
	out := &Device{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/credentials/register/verify", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// AuthenticationOptions returns WebAuthn request options (POST /v1/credentials/authenticate).
func (s *CredentialsService) AuthenticationOptions(ctx context.Context, params AuthenticationOptionsParams) (WebAuthnOptions, error) {
	var out WebAuthnOptions
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/credentials/authenticate", body: params}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyAuthentication finishes a plain sign-in ceremony (POST /v1/credentials/authenticate/verify).
func (s *CredentialsService) VerifyAuthentication(ctx context.Context, params VerifyAuthenticationParams) (*VerifiedAuthentication, error) {
	out := &VerifiedAuthentication{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/credentials/authenticate/verify", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DevicesService covers /v1/devices.
type DevicesService struct{ c *Client }

// List returns the devices (GET /v1/devices).
func (s *DevicesService) List(ctx context.Context, params ListDevicesParams) (*DeviceList, error) {
	q := url.Values{}
	setQ(q, "userId", params.UserID)
	if params.IncludeRevoked {
		q.Set("includeRevoked", "true")
	}
	out := &DeviceList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/devices", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads one device (GET /v1/devices/:id).
func (s *DevicesService) Retrieve(ctx context.Context, id string) (*Device, error) {
	return s.one(ctx, "GET", id, nil)
}

// Update renames a device (PATCH /v1/devices/:id).
func (s *DevicesService) Update(ctx context.Context, id string, params UpdateDeviceParams) (*Device, error) {
	return s.one(ctx, "PATCH", id, params)
}

// Revoke revokes a device for good (DELETE /v1/devices/:id).
func (s *DevicesService) Revoke(ctx context.Context, id string) (*Device, error) {
	return s.one(ctx, "DELETE", id, nil)
}

func (s *DevicesService) one(ctx context.Context, method, id string, body any) (*Device, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Device{}
	if err := s.c.do(ctx, request{method: method, path: "/v1/devices/" + p, body: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// WebhookEndpointsService covers /v1/webhook_endpoints.
type WebhookEndpointsService struct{ c *Client }

// Create registers an endpoint; the result's Secret is shown only here.
func (s *WebhookEndpointsService) Create(ctx context.Context, params CreateWebhookEndpointParams) (*WebhookEndpoint, error) {
	out := &WebhookEndpoint{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/webhook_endpoints", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// List returns the endpoints (never with their secret).
func (s *WebhookEndpointsService) List(ctx context.Context) (*WebhookEndpointList, error) {
	out := &WebhookEndpointList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/webhook_endpoints"}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads one endpoint.
func (s *WebhookEndpointsService) Retrieve(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return s.one(ctx, "GET", id, "", nil)
}

// Update changes an endpoint; Enabled=true also clears a failure state.
func (s *WebhookEndpointsService) Update(ctx context.Context, id string, params UpdateWebhookEndpointParams) (*WebhookEndpoint, error) {
	return s.one(ctx, "PATCH", id, "", params)
}

// Delete deletes an endpoint and returns it as it was (deliveries still pending are dropped).
func (s *WebhookEndpointsService) Delete(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return s.one(ctx, "DELETE", id, "", nil)
}

// RotateSecret issues a new secret (shown once); the old one keeps signing for 24 h.
func (s *WebhookEndpointsService) RotateSecret(ctx context.Context, id string) (*WebhookEndpoint, error) {
	return s.one(ctx, "POST", id, "/rotate_secret", nil)
}

// Deliveries returns the endpoint's delivery log, one row per HTTP attempt, newest first
// (limit 1–100; 0 for the server default of 50).
func (s *WebhookEndpointsService) Deliveries(ctx context.Context, id string, limit int) (*WebhookAttemptList, error) {
	return attempts(ctx, s.c, "/v1/webhook_endpoints/", id, limit)
}

func (s *WebhookEndpointsService) one(ctx context.Context, method, id, suffix string, body any) (*WebhookEndpoint, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &WebhookEndpoint{}
	if err := s.c.do(ctx, request{method: method, path: "/v1/webhook_endpoints/" + p + suffix, body: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// EventsService covers /v1/events.
type EventsService struct{ c *Client }

// List returns events, newest first (limit 1–100; 0 for the server default of 20).
func (s *EventsService) List(ctx context.Context, limit int) (*EventList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	out := &EventList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/events", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads one event.
func (s *EventsService) Retrieve(ctx context.Context, id string) (*Event, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Event{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/events/" + p}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Redeliver queues the event again (for every subscribed endpoint, or params.EndpointID).
func (s *EventsService) Redeliver(ctx context.Context, id string, params RedeliverParams) (*Redelivery, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Redelivery{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/events/" + p + "/redeliver", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Deliveries returns every attempt to deliver the event, to any endpoint, newest first
// (GET /v1/events/:id/deliveries; limit 1–100, 0 for the server default).
func (s *EventsService) Deliveries(ctx context.Context, id string, limit int) (*WebhookAttemptList, error) {
	return attempts(ctx, s.c, "/v1/events/", id, limit)
}

// attempts reads a delivery log, newest first: prefix + id + "/deliveries" (limit 0 for the
// server default).
func attempts(ctx context.Context, c *Client, prefix, id string, limit int) (*WebhookAttemptList, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	out := &WebhookAttemptList{}
	if err := c.do(ctx, request{method: "GET", path: prefix + p + "/deliveries", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// VoiceService covers the Keywave voice API under /api/v1 (authenticated with x-api-key).
type VoiceService struct{ c *Client }

// Phrase issues a one-time phrase for wallet (POST /api/v1/phrase).
func (s *VoiceService) Phrase(ctx context.Context, params PhraseParams) (*Phrase, error) {
	out := &Phrase{}
	if err := s.c.do(ctx, request{method: "POST", path: "/api/v1/phrase", body: params, auth: authAPIKeyHeader}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Enroll creates or replaces a voice template (POST /api/v1/enroll).
func (s *VoiceService) Enroll(ctx context.Context, params EnrollParams) (*Enrollment, error) {
	out := &Enrollment{}
	if err := s.c.do(ctx, request{method: "POST", path: "/api/v1/enroll", body: params, auth: authAPIKeyHeader}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Verify checks a recording of the phrase against the template (POST /api/v1/verify).
func (s *VoiceService) Verify(ctx context.Context, params VoiceVerifyParams) (*VoiceVerification, error) {
	out := &VoiceVerification{}
	if err := s.c.do(ctx, request{method: "POST", path: "/api/v1/verify", body: params, auth: authAPIKeyHeader}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Enrollment says what is enrolled for wallet: method, projection, versions and dates, never the
// template (GET /api/v1/enrollments/:wallet; 404 when nothing is).
func (s *VoiceService) Enrollment(ctx context.Context, wallet string) (*EnrollmentStatus, error) {
	p, err := pathID(wallet)
	if err != nil {
		return nil, err
	}
	out := &EnrollmentStatus{}
	if err := s.c.do(ctx, request{method: "GET", path: "/api/v1/enrollments/" + p, auth: authAPIKeyHeader}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyLogs lists logged verifications (GET /api/v1/verify_logs).
func (s *VoiceService) VerifyLogs(ctx context.Context, params VerifyLogsParams) (*VerifyLogList, error) {
	q := url.Values{}
	setQ(q, "wallet", params.Wallet)
	setQ(q, "method", params.Method)
	setQ(q, "created_from", params.CreatedFrom)
	setQ(q, "created_to", params.CreatedTo)
	setQ(q, "cursor", params.Cursor)
	if params.Verified != nil {
		q.Set("verified", strconv.FormatBool(*params.Verified))
	}
	if params.Limit > 0 {
		q.Set("limit", strconv.Itoa(params.Limit))
	}
	out := &VerifyLogList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/api/v1/verify_logs", query: q, auth: authAPIKeyHeader}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UsageService covers GET /v1/usage.
type UsageService struct{ c *Client }

// Retrieve reads the metered verifications per UTC day from params.From to params.To
// (inclusive, at most 366 days; 400 invalid_usage_range otherwise), with the tenant's free
// credits and overage.
func (s *UsageService) Retrieve(ctx context.Context, params UsageParams) (*UsageReport, error) {
	q := url.Values{}
	setQ(q, "from", params.From)
	setQ(q, "to", params.To)
	out := &UsageReport{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/usage", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

func setQ(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

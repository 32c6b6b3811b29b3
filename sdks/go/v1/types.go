package keyra

import "encoding/json"

// CreateChallengeParams is the body of POST /v1/challenges.
type CreateChallengeParams struct {
	// Action is a dotted lowercase name such as "transfer.approve" (≤ 100 characters).
	Action string `json:"action"`
	// UserID is the one human who must approve. For a quorum challenge leave it empty and set
	// Approvers and Quorum instead (docs/quorum.md).
	UserID string `json:"userId,omitempty"`
	// Approvers are the distinct humans who may approve (1–20); Quorum of them must.
	Approvers []string `json:"approvers,omitempty"`
	Quorum    int      `json:"quorum,omitempty"`
	// RejectOn is "any" (the first rejection rejects) or "impossible" (the server default: once
	// the quorum is out of reach).
	RejectOn string `json:"rejectOn,omitempty"`
	// Payload is shown to the human and bound to the approval (JSON object, ≤ 16 KiB).
	Payload map[string]any `json:"payload,omitempty"`
	// ExpiresIn is the lifetime in seconds (10–600); the server default (120) when zero.
	ExpiresIn int `json:"expiresIn,omitempty"`
	// Stamp asks for a stamp (a public receipt of the proof) when the challenge is approved.
	Stamp bool `json:"stamp,omitempty"`
	// Audience is the relying party the proof is for (its aud claim, checked by
	// Proofs.VerifyWith); the API key's audience when empty (its tenant's name unless set with
	// `keyra keys create --audience`).
	Audience string `json:"audience,omitempty"`
	// Metadata holds your own string labels (≤ 20): echoed back and in webhooks, never shown to
	// the human and not covered by the signature.
	Metadata map[string]string `json:"metadata,omitempty"`
}

// CreatedChallenge is the 201 answer of POST /v1/challenges.
type CreatedChallenge struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	ExpiresAt string `json:"expiresAt"`
}

// Challenge statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusCanceled = "canceled"
	StatusRejected = "rejected"
	StatusExpired  = "expired"
)

// Challenge is GET /v1/challenges/:id. Nullable fields are pointers.
type Challenge struct {
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	Action    string         `json:"action"`
	UserID    string         `json:"userId"`
	Payload   map[string]any `json:"payload"`
	Digest    string         `json:"digest"`
	CreatedAt string         `json:"createdAt"`
	ExpiresAt string         `json:"expiresAt"`
	DecidedAt *string        `json:"decidedAt"`
	DeviceID  *string        `json:"deviceId"`
	Method    *string        `json:"method"`
	Proof     *string        `json:"proof"`
	// StampRequested is whether an approval issues a stamp; StampID is that stamp, once issued.
	StampRequested bool    `json:"stampRequested"`
	StampID        *string `json:"stampId"`
	// Audience is the relying party its proof is for (the proof's aud).
	Audience string `json:"audience"`
	// Metadata is the creator's labels; BindingMessage is set on challenges created through the
	// OpenID CIBA front door (the text the human saw beside the action).
	Metadata       map[string]string `json:"metadata"`
	BindingMessage *string           `json:"bindingMessage,omitempty"`
	// ShownAt is when a device of its user first fetched it while pending; nil until then.
	ShownAt *string `json:"shownAt,omitempty"`
	// A quorum challenge (UserID is then empty): who may approve, how many must, when it is
	// rejected, the votes so far and the approvals still needed.
	Approvers  []string        `json:"approvers,omitempty"`
	Quorum     int             `json:"quorum,omitempty"`
	RejectOn   string          `json:"rejectOn,omitempty"`
	Approvals  []ChallengeVote `json:"approvals,omitempty"`
	Rejections []ChallengeVote `json:"rejections,omitempty"`
	Remaining  *int            `json:"remaining,omitempty"`
	// Policy is the approval policy version the challenge was created under; nil when none matched.
	Policy *ChallengePolicy `json:"policy"`
}

// ChallengeVote is one approver's answer to a quorum challenge.
type ChallengeVote struct {
	UserID    string `json:"userId"`
	DeviceID  string `json:"deviceId"`
	Method    string `json:"method"`
	DecidedAt string `json:"decidedAt"`
}

// ListChallengesParams filters GET /v1/challenges. Zero values are left out.
type ListChallengesParams struct {
	Status      string
	UserID      string
	Action      string
	CreatedFrom string // RFC 3339, inclusive
	CreatedTo   string // RFC 3339, exclusive
	Limit       int    // 1–100, server default 20
	Cursor      string // NextCursor of the previous page
}

// ChallengeList is one page of challenges, newest first.
type ChallengeList struct {
	Data       []Challenge `json:"data"`
	HasMore    bool        `json:"hasMore"`
	NextCursor *string     `json:"nextCursor"`
}

// VerifyChallengeParams is the body of POST /v1/challenges/:id/verify: what the device (or the
// browser's passkey) produced. Attestation is the WebAuthn assertion JSON; pass it as received
// (a json.RawMessage, a map or a struct).
type VerifyChallengeParams struct {
	DeviceID    string `json:"deviceId"`
	Attestation any    `json:"attestation"`
}

// VerifiedChallenge is the answer of a verify: Proof is a compact JWS (nil for a rejection, and
// for a quorum vote that leaves the challenge "pending"); Stamp is set when the challenge was
// created with Stamp and approved. Approvals and Remaining are set for a quorum challenge.
type VerifiedChallenge struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	Proof     *string         `json:"proof"`
	DeviceID  string          `json:"deviceId"`
	Method    string          `json:"method"`
	DecidedAt string          `json:"decidedAt"`
	Stamp     *Stamp          `json:"stamp"`
	Approvals []ChallengeVote `json:"approvals,omitempty"`
	Remaining *int            `json:"remaining,omitempty"`
}

// RegistrationOptionsParams is the body of POST /v1/credentials/register.
type RegistrationOptionsParams struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
}

// WebAuthnOptions is PublicKeyCredentialCreationOptionsJSON or
// PublicKeyCredentialRequestOptionsJSON, to hand to navigator.credentials as is.
type WebAuthnOptions map[string]any

// VerifyRegistrationParams is the body of POST /v1/credentials/register/verify. Response is the
// browser's (or device's) credential.toJSON().
type VerifyRegistrationParams struct {
	UserID   string `json:"userId"`
	Response any    `json:"response"`
	Name     string `json:"name,omitempty"`
}

// AuthenticationOptionsParams is the body of POST /v1/credentials/authenticate. With ChallengeID
// the options' challenge is that KEYRA challenge's digest.
type AuthenticationOptionsParams struct {
	UserID      string `json:"userId"`
	ChallengeID string `json:"challengeId,omitempty"`
}

// VerifyAuthenticationParams is the body of POST /v1/credentials/authenticate/verify.
type VerifyAuthenticationParams struct {
	UserID   string `json:"userId"`
	Response any    `json:"response"`
}

// VerifiedAuthentication is the answer of a plain sign-in ceremony.
type VerifiedAuthentication struct {
	Verified bool   `json:"verified"`
	UserID   string `json:"userId"`
	DeviceID string `json:"deviceId"`
}

// DeviceAttestation describes how a device's attestation was checked.
type DeviceAttestation struct {
	Format          string  `json:"format"`
	Trusted         bool    `json:"trusted"`
	RootFingerprint *string `json:"rootFingerprint"`
}

// Device is a paired KEYRA ONE or passkey.
type Device struct {
	DeviceID       string            `json:"deviceId"`
	UserID         string            `json:"userId"`
	Kind           string            `json:"kind"` // keyra_one | passkey
	Name           string            `json:"name"`
	AAGUID         string            `json:"aaguid"`
	Attestation    DeviceAttestation `json:"attestation"`
	SignCount      int64             `json:"signCount"`
	Status         string            `json:"status"` // active | revoked | disabled
	DisabledReason *string           `json:"disabledReason"`
	CreatedAt      string            `json:"createdAt"`
	LastUsedAt     *string           `json:"lastUsedAt"`
	RevokedAt      *string           `json:"revokedAt"`
}

// ListDevicesParams filters GET /v1/devices.
type ListDevicesParams struct {
	UserID         string
	IncludeRevoked bool
}

// DeviceList is GET /v1/devices.
type DeviceList struct {
	Data []Device `json:"data"`
}

// UpdateDeviceParams is the body of PATCH /v1/devices/:id.
type UpdateDeviceParams struct {
	Name string `json:"name"`
}

// CreateWebhookEndpointParams is the body of POST /v1/webhook_endpoints.
type CreateWebhookEndpointParams struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"` // event types, or ["*"]
	Description string   `json:"description,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

// UpdateWebhookEndpointParams is the body of PATCH /v1/webhook_endpoints/:id; nil fields are
// left unchanged.
type UpdateWebhookEndpointParams struct {
	URL         *string  `json:"url,omitempty"`
	Events      []string `json:"events,omitempty"`
	Description *string  `json:"description,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

// WebhookEndpoint is a registered receiver. Secret is set only by Create and RotateSecret.
type WebhookEndpoint struct {
	ID                      string   `json:"id"`
	URL                     string   `json:"url"`
	Events                  []string `json:"events"`
	Description             *string  `json:"description"`
	Enabled                 bool     `json:"enabled"`
	DisabledReason          *string  `json:"disabledReason"`
	FailingSince            *string  `json:"failingSince"`
	CreatedAt               string   `json:"createdAt"`
	UpdatedAt               string   `json:"updatedAt"`
	Secret                  string   `json:"secret,omitempty"`
	PreviousSecretExpiresAt *string  `json:"previousSecretExpiresAt"`
}

// WebhookEndpointList is GET /v1/webhook_endpoints.
type WebhookEndpointList struct {
	Data []WebhookEndpoint `json:"data"`
}

// WebhookAttempt is one HTTP attempt of a delivery.
type WebhookAttempt struct {
	ID              string  `json:"id"`
	DeliveryID      string  `json:"deliveryId"`
	EndpointID      string  `json:"endpointId"`
	EventID         string  `json:"eventId"`
	Attempt         int     `json:"attempt"`
	StartedAt       string  `json:"startedAt"`
	StatusCode      *int    `json:"statusCode"`
	LatencyMs       int     `json:"latencyMs"`
	ResponseExcerpt *string `json:"responseExcerpt"`
	Error           *string `json:"error"`
}

// EnrollmentStatus is what is enrolled for a wallet (GET /api/v1/enrollments/:wallet).
type EnrollmentStatus struct {
	Wallet        string  `json:"wallet"`
	Method        string  `json:"method"` // voice | legacy_hash
	ProjectionID  *string `json:"projection_id"`
	ParamsVersion *string `json:"params_version"`
	ModelVersion  *string `json:"model_version"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

// WebhookAttemptList is the delivery log of an endpoint, newest first.
type WebhookAttemptList struct {
	Data []WebhookAttempt `json:"data"`
}

// Event is a webhook event: the body of every delivery and of GET /v1/events/:id.
type Event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// CreatedAt is RFC 3339 UTC; Created is the same instant in Unix seconds (deprecated).
	CreatedAt string          `json:"createdAt"`
	Created   int64           `json:"created"`
	Data      json.RawMessage `json:"data"`
}

// DataMap decodes Data into a map.
func (e Event) DataMap() (map[string]any, error) {
	var m map[string]any
	err := json.Unmarshal(e.Data, &m)
	return m, err
}

// EventList is GET /v1/events.
type EventList struct {
	Data []Event `json:"data"`
}

// RedeliverParams is the body of POST /v1/events/:id/redeliver.
type RedeliverParams struct {
	EndpointID string `json:"endpointId,omitempty"`
}

// Redelivery is the 202 answer of a redelivery.
type Redelivery struct {
	EventID    string `json:"eventId"`
	Deliveries int    `json:"deliveries"`
}

// PhraseParams is the body of POST /api/v1/phrase.
type PhraseParams struct {
	Wallet string `json:"wallet"`
}

// Phrase is a one-time prompt to read aloud (120 s).
type Phrase struct {
	PhraseID  string `json:"phrase_id"`
	Prompt    string `json:"prompt"`
	ExpiresAt string `json:"expires_at"`
}

// EnrollParams is the body of POST /api/v1/enroll: AudioURL or AudioBase64.
type EnrollParams struct {
	Wallet        string `json:"wallet"`
	AudioURL      string `json:"audioUrl,omitempty"`
	AudioBase64   string `json:"audioBase64,omitempty"`
	ProjectionID  string `json:"projection_id,omitempty"`
	ParamsVersion string `json:"params_version,omitempty"`
	// PhraseHash is the deprecated hash flow.
	PhraseHash string `json:"phrase_hash,omitempty"`
}

// Enrollment is the answer of an enrolment. Quality holds the quality gate's measures.
type Enrollment struct {
	Wallet        string         `json:"wallet"`
	Enrolled      bool           `json:"enrolled"`
	Replaced      bool           `json:"replaced"`
	Method        string         `json:"method"`
	ProjectionID  string         `json:"projection_id,omitempty"`
	ParamsVersion string         `json:"params_version,omitempty"`
	Quality       map[string]any `json:"quality,omitempty"`
	UpdatedAt     string         `json:"updated_at"`
}

// VoiceVerifyParams is the body of POST /api/v1/verify.
type VoiceVerifyParams struct {
	Wallet        string `json:"wallet"`
	AudioURL      string `json:"audioUrl,omitempty"`
	AudioBase64   string `json:"audioBase64,omitempty"`
	ProjectionID  string `json:"projection_id,omitempty"`
	ParamsVersion string `json:"params_version,omitempty"`
	PhraseID      string `json:"phrase_id,omitempty"`
	// ProbeHash is the deprecated hash flow.
	ProbeHash string `json:"probe_hash,omitempty"`
}

// VoiceGate is one gate of a voice verification; Details keeps every reported measure.
type VoiceGate struct {
	Passed  bool           `json:"passed"`
	Details map[string]any `json:"-"`
}

// UnmarshalJSON keeps "passed" and the whole object.
func (g *VoiceGate) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	g.Details = m
	g.Passed, _ = m["passed"].(bool)
	return nil
}

// VoiceGates are the four gates; Verified is true only when all pass.
type VoiceGates struct {
	Phrase  *VoiceGate `json:"phrase,omitempty"`
	Speaker *VoiceGate `json:"speaker,omitempty"`
	Replay  *VoiceGate `json:"replay,omitempty"`
	Quality *VoiceGate `json:"quality,omitempty"`
}

// VoiceVerification is the 200 answer of POST /api/v1/verify.
type VoiceVerification struct {
	ID       string     `json:"id"`
	Verified bool       `json:"verified"`
	Wallet   string     `json:"wallet"`
	Method   string     `json:"method"`
	PhraseID *string    `json:"phrase_id"`
	Gates    VoiceGates `json:"gates"`
	// Proof (method voice) and Stamp are set when Verified; nil otherwise.
	Proof     *string `json:"proof"`
	Stamp     *Stamp  `json:"stamp"`
	LatencyMs int     `json:"latency_ms"`
}

// VerifyLogsParams filters GET /api/v1/verify_logs.
type VerifyLogsParams struct {
	Wallet      string
	Verified    *bool
	Method      string
	CreatedFrom string
	CreatedTo   string
	Limit       int
	Cursor      string
}

// VerifyLog is one logged voice verification (no audio, no words).
type VerifyLog struct {
	ID               string          `json:"id"`
	Wallet           string          `json:"wallet"`
	PhraseID         *string         `json:"phrase_id"`
	Method           string          `json:"method"`
	Verified         bool            `json:"verified"`
	Status           int             `json:"status"`
	ErrorCode        *string         `json:"error_code"`
	Gates            json.RawMessage `json:"gates"`
	SpeakerScore     *float64        `json:"speaker_score"`
	SpeakerThreshold *float64        `json:"speaker_threshold"`
	SpeechSeconds    *float64        `json:"speech_seconds"`
	AudioSeconds     *float64        `json:"audio_seconds"`
	// Measures is what each gate measured against its threshold (phrase, speaker, replay,
	// quality; a gate is null when it did not run), as in docs/voice-api.md.
	Measures  json.RawMessage `json:"measures"`
	LatencyMs int             `json:"latency_ms"`
	CreatedAt string          `json:"created_at"`
}

// VerifyLogList is one page of verify logs.
type VerifyLogList struct {
	Data       []VerifyLog `json:"data"`
	HasMore    bool        `json:"has_more"`
	NextCursor *string     `json:"next_cursor"`
}

// Stamp is a public, minimal receipt of a proof (GET /v1/stamps/:id, and the Stamp of an
// approval or a voice verification): the proof's SHA-256, when and how, signed by the server,
// with its EAS attestation. Check it offline with Client.Stamps.Verify.
type Stamp struct {
	Object      string `json:"object"` // "stamp"
	StampID     string `json:"stamp_id"`
	ProofSHA256 string `json:"proof_sha256"` // hex SHA-256 of the proof's compact JWS
	IssuedAt    string `json:"issued_at"`    // RFC 3339, whole seconds
	Method      string `json:"method"`       // device | passkey | voice | audit_checkpoint
	Environment string `json:"environment"`  // sandbox | production
	// Signature is a compact JWS (ES256, typ keyra-stamp+jwt) over the fields above.
	Signature string   `json:"signature"`
	EAS       StampEAS `json:"eas"`
}

// StampEAS is a stamp's Ethereum Attestation Service attestation (docs/stamps.md).
type StampEAS struct {
	Schema    string  `json:"schema"`
	SchemaUID string  `json:"schema_uid"`
	Attester  *string `json:"attester"`
	// Offchain is nil only when the server runs without the optional EAS packages.
	Offchain *StampOffchain `json:"offchain"`
	// Onchain is nil when the stamp is not mirrored on chain.
	Onchain *StampOnchain `json:"onchain"`
}

// StampOffchain is an EAS off-chain attestation in EAS's shareable form. Sig is kept as
// received, for the EAS SDK's verifyOffchainAttestationSignature.
type StampOffchain struct {
	Sig    json.RawMessage `json:"sig"`
	Signer string          `json:"signer"`
}

// StampOnchain is the on-chain mirror of a stamp: Status pending → confirmed | failed.
type StampOnchain struct {
	Status      string  `json:"status"`
	ChainID     int64   `json:"chain_id"`
	TxHash      *string `json:"tx_hash"`
	UID         *string `json:"uid"`
	Attempts    int     `json:"attempts"`
	LastError   *string `json:"last_error"`
	ConfirmedAt *string `json:"confirmed_at"`
}

// UsageParams selects the days of GET /v1/usage: UTC days "YYYY-MM-DD", inclusive. Empty means
// the server default (From the first of this month, To today).
type UsageParams struct {
	From string
	To   string
}

// UsageCounts are the metered verifications of a day or of a whole range.
type UsageCounts struct {
	Verifications int `json:"verifications"`
	Credit        int `json:"credit"`  // paid from the free credits
	Overage       int `json:"overage"` // billed on the tenant's plan
	ByMethod      struct {
		Device  int `json:"device"`
		Passkey int `json:"passkey"`
		Voice   int `json:"voice"`
	} `json:"byMethod"`
}

// UsageDay is one UTC day of a usage report.
type UsageDay struct {
	Date string `json:"date"`
	UsageCounts
}

// UsageReport is GET /v1/usage. Totals and Days count the key's environment; Credits and
// Overage are the tenant's, all time, both environments.
type UsageReport struct {
	Object      string `json:"object"` // "usage"
	Environment string `json:"environment"`
	From        string `json:"from"`
	To          string `json:"to"`
	Plan        string `json:"plan"` // pilot | production | scale
	Credits     struct {
		Granted   int `json:"granted"`
		Used      int `json:"used"`
		Remaining int `json:"remaining"`
	} `json:"credits"`
	Overage int         `json:"overage"`
	Totals  UsageCounts `json:"totals"`
	Days    []UsageDay  `json:"days"`
}

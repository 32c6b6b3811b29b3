package keyra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// ProofType is the JWS "typ" of KEYRA proofs.
const ProofType = "keyra-proof+jwt"

// DefaultLeeway is the clock difference with the server allowed when checking a proof's exp and
// iat, unless ProofVerifyOptions.Leeway says otherwise.
const DefaultLeeway = 60 * time.Second

// ProofClaims are the claims of a verified proof (docs/proofs.md). Pass the action, payload and
// audience you act on to VerifyWith and it compares them for you; never accept a sandbox proof in
// production.
type ProofClaims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"` // the userId who approved; the challenge id for a quorum
	ID              string `json:"jti"` // prf_…: remember it to use each proof once
	Audience        string `json:"aud"` // the relying party: the challenge's audience
	IssuedAt        int64  `json:"iat"`
	ExpiresAt       int64  `json:"exp"` // after it the proof authorizes nothing
	ChallengeID     string `json:"challengeId"`
	Action          string `json:"action"`
	PayloadDigest   string `json:"payloadDigest"`
	ChallengeDigest string `json:"challengeDigest"`
	Method          string `json:"method"`   // device | passkey | voice
	DeviceID        string `json:"deviceId"` // empty for a voice proof
	Env             string `json:"env"`      // sandbox | production
	// Approvers lists every approval of a quorum challenge, oldest first (empty otherwise).
	Approvers []ProofApprover `json:"approvers,omitempty"`
	// Raw holds every claim, including ones this version does not know.
	Raw map[string]any `json:"-"`
}

// ProofApprover is one approval named by a quorum proof.
type ProofApprover struct {
	Subject  string `json:"sub"` // the approver's userId
	Method   string `json:"method"`
	DeviceID string `json:"deviceId"`
	At       int64  `json:"at"` // when their approval was verified (Unix seconds)
}

// ProofVerifyOptions are what the proof must match: pass what you are about to act on. Empty
// fields are not checked, except the time: exp and iat are always checked.
type ProofVerifyOptions struct {
	// Action the proof must approve.
	Action string
	// Payload you act on: its RFC 8785 digest (see CanonicalJSON) must equal the proof's
	// payloadDigest. A map[string]any, a struct, a json.RawMessage… nil: not checked.
	Payload any
	// Audience the proof must be for (your relying-party name: the API key's or the
	// challenge's audience).
	Audience string
	// Issuer the proof must come from (the server's public URL).
	Issuer string
	// Env the proof must come from ("production" in production).
	Env string
	// Now is the time to check exp and iat at (e.g. re-checking an archived proof as of when it
	// was used); zero means time.Now().
	Now time.Time
	// Leeway is the clock difference with the server allowed for exp and iat; zero means
	// DefaultLeeway (60 s), a negative value none.
	Leeway time.Duration
}

// ProofsService verifies proofs offline against the server's JWKS, fetched once and cached;
// a proof signed with a key id not in the cache triggers one refetch (key rotation).
type ProofsService struct {
	jwks *jwksCache
}

// Verify checks a proof with no binding of yours: VerifyWith(ctx, jws, ProofVerifyOptions{}).
// Prefer VerifyWith with the action, payload and audience you act on.
func (s *ProofsService) Verify(ctx context.Context, jws string) (*ProofClaims, error) {
	return s.VerifyWith(ctx, jws, ProofVerifyOptions{})
}

// VerifyWith checks a compact JWS proof: ES256, typ keyra-proof+jwt (a stamp's signature never
// passes), a key id published at /.well-known/jwks.json, a valid signature, exp not passed and iat
// not in the future (with opts.Leeway), then each binding in opts:
//
//	claims, err := client.Proofs.VerifyWith(ctx, proof, keyra.ProofVerifyOptions{
//		Action:   "transfer.approve",
//		Payload:  map[string]any{"amount": 12500, "currency": "USD"},
//		Audience: "payments-api",
//	})
//
// A proof without exp (signed before proofs expired) is refused. Refused proofs give an error
// matching ErrProofVerification (alias ErrInvalidProof); failing to fetch the JWKS gives the API
// or connection error.
func (s *ProofsService) VerifyWith(ctx context.Context, jws string, opts ProofVerifyOptions) (*ProofClaims, error) {
	payloadJSON, err := s.jwks.verify(ctx, jws, ProofType, ErrProofVerification)
	if err != nil {
		return nil, err
	}
	claims := &ProofClaims{}
	if err := json.Unmarshal(payloadJSON, &claims.Raw); err != nil {
		return nil, invalidJWS(ErrProofVerification, "payload is not a JSON object")
	}
	if err := json.Unmarshal(payloadJSON, claims); err != nil {
		return nil, invalidJWS(ErrProofVerification, "a claim has the wrong type: %v", err)
	}
	if err := checkProofClaims(claims, opts); err != nil {
		return nil, err
	}
	return claims, nil
}

func checkProofClaims(claims *ProofClaims, opts ProofVerifyOptions) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	} else if leeway < 0 {
		leeway = 0
	}
	_, hasExp := claims.Raw["exp"].(float64)
	_, hasIat := claims.Raw["iat"].(float64)
	if !hasExp || !hasIat {
		return invalidJWS(ErrProofVerification, "the proof has no exp or iat claim (it predates proof expiry)")
	}
	if expires := time.Unix(claims.ExpiresAt, 0); now.After(expires.Add(leeway)) {
		return invalidJWS(ErrProofVerification, "the proof expired at %s; ask the human again", expires.UTC().Format(time.RFC3339))
	}
	if time.Unix(claims.IssuedAt, 0).After(now.Add(leeway)) {
		return invalidJWS(ErrProofVerification, "the proof was issued in the future: check this machine's clock")
	}
	if opts.Action != "" && claims.Action != opts.Action {
		return invalidJWS(ErrProofVerification, "the proof approves %q, not %q", claims.Action, opts.Action)
	}
	if opts.Payload != nil {
		digest, err := PayloadDigest(opts.Payload)
		if err != nil {
			return invalidJWS(ErrProofVerification, "the payload cannot be canonicalized: %v", err)
		}
		if claims.PayloadDigest != digest {
			return invalidJWS(ErrProofVerification, "the proof approves a different payload: its payloadDigest does not match the RFC 8785 digest of the payload you passed")
		}
	}
	if opts.Audience != "" && claims.Audience != opts.Audience {
		return invalidJWS(ErrProofVerification, "the proof is for %q, not %q", claims.Audience, opts.Audience)
	}
	if opts.Issuer != "" && claims.Issuer != opts.Issuer {
		return invalidJWS(ErrProofVerification, "the proof was issued by %s, not %s", claims.Issuer, opts.Issuer)
	}
	if opts.Env != "" && claims.Env != opts.Env {
		return invalidJWS(ErrProofVerification, "the proof is from %s, not %s", claims.Env, opts.Env)
	}
	return nil
}

// PayloadDigest is the hex SHA-256 of payload's RFC 8785 canonical JSON (CanonicalJSON): what a
// proof's payloadDigest holds.
func PayloadDigest(payload any) (string, error) {
	canonical, err := CanonicalJSON(payload)
	if err != nil {
		return "", fmt.Errorf("keyra: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}

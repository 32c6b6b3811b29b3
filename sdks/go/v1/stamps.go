package keyra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// StampType is the JWS "typ" of stamp signatures.
const StampType = "keyra-stamp+jwt"

// StampClaims are the claims of a verified stamp's signature: its fields, signed.
type StampClaims struct {
	Issuer       string `json:"iss"`
	ID           string `json:"jti"` // the stamp id
	IssuedAtUnix int64  `json:"iat"`
	StampID      string `json:"stamp_id"`
	ProofSHA256  string `json:"proof_sha256"`
	IssuedAt     string `json:"issued_at"`
	Method       string `json:"method"`
	Env          string `json:"env"` // sandbox | production: never accept a sandbox stamp in production
	// Raw holds every claim, including ones this version does not know.
	Raw map[string]any `json:"-"`
}

// StampsService reads stamps (a public endpoint) and verifies them offline with the same
// cached JWKS as ProofsService.
type StampsService struct {
	c    *Client
	jwks *jwksCache
}

// Retrieve reads one stamp (GET /v1/stamps/:id). The endpoint is public: no API key is sent,
// so a client without one works too.
func (s *StampsService) Retrieve(ctx context.Context, id string) (*Stamp, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Stamp{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/stamps/" + p, auth: authNone}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Verify checks a stamp offline: its Signature is an ES256 JWS by a key of the server's JWKS
// with typ keyra-stamp+jwt (a proof's signature never passes), the signed claims equal the
// stamp's StampID, ProofSHA256, IssuedAt, Method and Environment, and, when proof is not empty,
// ProofSHA256 is the SHA-256 of that proof (a compact JWS). It returns the signed claims; a
// stamp that fails gives an error matching ErrInvalidStamp (and ErrInvalidProof). The EAS
// attestation in stamp.EAS is not checked here (docs/stamps.md).
func (s *StampsService) Verify(ctx context.Context, stamp *Stamp, proof string) (*StampClaims, error) {
	if stamp == nil {
		return nil, invalidJWS(ErrInvalidStamp, "no stamp")
	}
	payloadJSON, err := s.jwks.verify(ctx, stamp.Signature, StampType, ErrInvalidStamp)
	if err != nil {
		return nil, err
	}
	claims := &StampClaims{}
	if err := json.Unmarshal(payloadJSON, claims); err != nil {
		return nil, invalidJWS(ErrInvalidStamp, "payload is not a JSON object")
	}
	if err := json.Unmarshal(payloadJSON, &claims.Raw); err != nil {
		return nil, invalidJWS(ErrInvalidStamp, "payload is not a JSON object")
	}
	for _, f := range []struct{ name, field, signed string }{
		{"stamp_id", stamp.StampID, claims.StampID},
		{"proof_sha256", stamp.ProofSHA256, claims.ProofSHA256},
		{"issued_at", stamp.IssuedAt, claims.IssuedAt},
		{"method", stamp.Method, claims.Method},
		{"environment", stamp.Environment, claims.Env},
	} {
		if f.signed == "" || f.field != f.signed {
			return nil, invalidJWS(ErrInvalidStamp, "%s %q is not the signed %q", f.name, f.field, f.signed)
		}
	}
	if proof != "" {
		sum := sha256.Sum256([]byte(proof))
		if hex.EncodeToString(sum[:]) != claims.ProofSHA256 {
			return nil, invalidJWS(ErrInvalidStamp, "the proof is not the one the stamp commits to (proof_sha256 differs)")
		}
	}
	return claims, nil
}

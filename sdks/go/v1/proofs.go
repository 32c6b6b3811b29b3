package keyra

import (
	"context"
	"encoding/json"
)

// ProofType is the JWS "typ" of KEYRA proofs.
const ProofType = "keyra-proof+jwt"

// ProofClaims are the claims of a verified proof (docs/proofs.md). Before acting, compare
// Action, PayloadDigest and Env with what you are about to do; never accept a sandbox proof in
// production.
type ProofClaims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"` // the userId who approved
	ID              string `json:"jti"` // prf_…
	IssuedAt        int64  `json:"iat"`
	ChallengeID     string `json:"challengeId"`
	Action          string `json:"action"`
	PayloadDigest   string `json:"payloadDigest"`
	ChallengeDigest string `json:"challengeDigest"`
	Method          string `json:"method"`   // device | passkey | voice
	DeviceID        string `json:"deviceId"` // empty for a voice proof
	Env             string `json:"env"`      // sandbox | production
	// Raw holds every claim, including ones this version does not know.
	Raw map[string]any `json:"-"`
}

// ProofsService verifies proofs offline against the server's JWKS, fetched once and cached;
// a proof signed with a key id not in the cache triggers one refetch (key rotation).
type ProofsService struct {
	jwks *jwksCache
}

// Verify checks a compact JWS proof: ES256, typ keyra-proof+jwt (a stamp's signature never
// passes), a key id published at /.well-known/jwks.json and a valid signature. Invalid proofs
// give an error matching ErrInvalidProof; failing to fetch the JWKS gives the API or connection
// error.
func (s *ProofsService) Verify(ctx context.Context, jws string) (*ProofClaims, error) {
	payloadJSON, err := s.jwks.verify(ctx, jws, ProofType, ErrInvalidProof)
	if err != nil {
		return nil, err
	}
	claims := &ProofClaims{}
	if err := json.Unmarshal(payloadJSON, claims); err != nil {
		return nil, invalidJWS(ErrInvalidProof, "payload is not a JSON object")
	}
	if err := json.Unmarshal(payloadJSON, &claims.Raw); err != nil {
		return nil, invalidJWS(ErrInvalidProof, "payload is not a JSON object")
	}
	return claims, nil
}

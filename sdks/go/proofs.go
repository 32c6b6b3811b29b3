package keyra

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
)

// JWKSPath is where a KEYRA server publishes its proof-signing keys.
const JWKSPath = "/.well-known/jwks.json"

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
	Method          string `json:"method"` // device | passkey
	DeviceID        string `json:"deviceId"`
	Env             string `json:"env"` // sandbox | production
	// Raw holds every claim, including ones this version does not know.
	Raw map[string]any `json:"-"`
}

// ProofsService verifies proofs offline against the server's JWKS, fetched once and cached;
// a proof signed with a key id not in the cache triggers one refetch (key rotation).
type ProofsService struct {
	client *Client
	mu     sync.Mutex
	keys   map[string]*ecdsa.PublicKey
}

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

func badProof(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidProof, fmt.Sprintf(format, args...))
}

// Verify checks a compact JWS proof: ES256, typ keyra-proof+jwt, a key id published at
// /.well-known/jwks.json and a valid signature. Invalid proofs give an error matching
// ErrInvalidProof; failing to fetch the JWKS gives the API or connection error.
func (s *ProofsService) Verify(ctx context.Context, jws string) (*ProofClaims, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, badProof("not a compact JWS")
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, badProof("header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(headerJSON, &h); err != nil {
		return nil, badProof("header is not JSON")
	}
	if h.Alg != "ES256" {
		return nil, badProof("alg %q is not ES256", h.Alg)
	}
	if h.Typ != ProofType {
		return nil, badProof("typ %q is not %s", h.Typ, ProofType)
	}
	if h.Kid == "" {
		return nil, badProof("no kid")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, badProof("signature is not 64 bytes of base64url")
	}
	key, err := s.key(ctx, h.Kid)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	sv := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(key, digest[:], r, sv) {
		return nil, badProof("signature does not verify")
	}
	payloadJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, badProof("payload is not base64url")
	}
	claims := &ProofClaims{}
	if err := json.Unmarshal(payloadJSON, claims); err != nil {
		return nil, badProof("payload is not a JSON object")
	}
	if err := json.Unmarshal(payloadJSON, &claims.Raw); err != nil {
		return nil, badProof("payload is not a JSON object")
	}
	return claims, nil
}

func (s *ProofsService) key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	// Unknown (or nothing cached yet): fetch the JWKS once.
	keys, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, badProof("kid %q is not in the server's JWKS", kid)
}

func (s *ProofsService) fetch(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := s.client.do(ctx, request{method: "GET", path: JWKSPath, auth: authNone}, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]*ecdsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "EC" || k.Crv != "P-256" || k.Kid == "" {
			continue
		}
		x, errX := base64.RawURLEncoding.DecodeString(k.X)
		y, errY := base64.RawURLEncoding.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			continue
		}
		pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			continue
		}
		keys[k.Kid] = pub
	}
	return keys, nil
}

package keyra

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
)

// JWKSPath is where a KEYRA server publishes the keys that sign proofs and stamps.
const JWKSPath = "/.well-known/jwks.json"

// jwksCache holds the server's signing keys, fetched once; a token signed with a key id not in
// the cache triggers one refetch (key rotation). Proofs and stamps share one cache.
type jwksCache struct {
	client *Client
	mu     sync.Mutex
	keys   map[string]*ecdsa.PublicKey
}

type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
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

// invalidJWS builds an error for a token that fails verification; kind is ErrInvalidProof or
// ErrInvalidStamp, so errors.Is matches it (and ErrInvalidProof in both cases).
func invalidJWS(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}

// verify checks a compact JWS: ES256, exactly typ, a key id published at JWKSPath, no crit, and
// a valid signature. It returns the decoded payload JSON. Failures wrap kind; failing to fetch
// the JWKS gives the API or connection error.
func (j *jwksCache) verify(ctx context.Context, jws, typ string, kind error) ([]byte, error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, invalidJWS(kind, "not a compact JWS")
	}
	headerJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, invalidJWS(kind, "header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(headerJSON, &h); err != nil {
		return nil, invalidJWS(kind, "header is not JSON")
	}
	if h.Alg != "ES256" {
		return nil, invalidJWS(kind, "alg %q is not ES256", h.Alg)
	}
	if h.Typ != typ {
		return nil, invalidJWS(kind, "typ %q is not %s", h.Typ, typ)
	}
	if h.Kid == "" {
		return nil, invalidJWS(kind, "no kid")
	}
	if h.Crit != nil {
		return nil, invalidJWS(kind, "critical header parameters are not supported")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, invalidJWS(kind, "signature is not 64 bytes of base64url")
	}
	key, err := j.key(ctx, h.Kid)
	if err != nil {
		if errors.Is(err, errUnknownKid) {
			return nil, invalidJWS(kind, "kid %q is not in the server's JWKS", h.Kid)
		}
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	sv := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(key, digest[:], r, sv) {
		return nil, invalidJWS(kind, "signature does not verify")
	}
	payloadJSON, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, invalidJWS(kind, "payload is not base64url")
	}
	return payloadJSON, nil
}

var errUnknownKid = errors.New("unknown kid")

func (j *jwksCache) key(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if k, ok := j.keys[kid]; ok {
		return k, nil
	}
	// Unknown (or nothing cached yet): fetch the JWKS once.
	keys, err := j.fetch(ctx)
	if err != nil {
		return nil, err
	}
	j.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errUnknownKid
}

func (j *jwksCache) fetch(ctx context.Context) (map[string]*ecdsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := j.client.do(ctx, request{method: "GET", path: JWKSPath, auth: authNone}, &set); err != nil {
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

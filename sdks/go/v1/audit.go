package keyra

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// AuditGenesisHash is the PrevHash of a tenant's first audit entry.
const AuditGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one link of the tenant's audit chain (GET /v1/audit). Hash is the SHA-256 of the
// RFC 8785 canonical JSON of the entry without Hash; PrevHash is the previous entry's Hash.
type AuditEntry struct {
	ID          string          `json:"id"`
	TenantID    string          `json:"tenantId"`
	Seq         int64           `json:"seq"`
	Type        string          `json:"type"`
	Environment string          `json:"environment"`
	Actor       string          `json:"actor"`
	Subject     string          `json:"subject"`
	Data        json.RawMessage `json:"data"`
	OccurredAt  string          `json:"occurredAt"`
	PrevHash    string          `json:"prevHash"`
	Hash        string          `json:"hash"`
}

// AuditList is a page of entries in chain order.
type AuditList struct {
	Data       []AuditEntry `json:"data"`
	HasMore    bool         `json:"hasMore"`
	NextCursor *string      `json:"nextCursor"`
}

// AuditListParams filters GET /v1/audit and GET /v1/audit/export (Limit and Cursor: list only).
type AuditListParams struct {
	Type        string
	Subject     string
	Environment string
	Since       string
	Until       string
	Limit       int
	Cursor      string
}

func (p AuditListParams) query() url.Values {
	q := url.Values{}
	for name, value := range map[string]string{
		"type": p.Type, "subject": p.Subject, "environment": p.Environment,
		"since": p.Since, "until": p.Until, "cursor": p.Cursor,
	} {
		if value != "" {
			q.Set(name, value)
		}
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return q
}

// AuditCheckpoint is a signed statement of the chain head: verify Signature (a compact JWS,
// typ keyra-audit-checkpoint+jwt) against the server's JWKS and keep it outside KEYRA.
type AuditCheckpoint struct {
	ID        string  `json:"id"`
	TenantID  string  `json:"tenantId"`
	Seq       int64   `json:"seq"`
	Hash      string  `json:"hash"`
	Signature string  `json:"signature"`
	CreatedAt string  `json:"createdAt"`
	StampID   *string `json:"stampId"`
}

// AuditCheckpointList is a page of checkpoints, newest first.
type AuditCheckpointList struct {
	Data       []AuditCheckpoint `json:"data"`
	HasMore    bool              `json:"hasMore"`
	NextCursor *string           `json:"nextCursor"`
}

// AuditService covers /v1/audit: the tenant's tamper-evident audit log.
type AuditService struct{ c *Client }

// List returns one page of entries, oldest first; pass NextCursor as Cursor for the next.
func (s *AuditService) List(ctx context.Context, params AuditListParams) (*AuditList, error) {
	out := &AuditList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/audit", query: params.query()}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Export returns every matching entry in chain order (GET /v1/audit/export, NDJSON).
func (s *AuditService) Export(ctx context.Context, params AuditListParams) ([]AuditEntry, error) {
	params.Limit, params.Cursor = 0, ""
	var raw []byte
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/audit/export", query: params.query()}, &raw); err != nil {
		return nil, err
	}
	return ParseAuditNDJSON(raw)
}

// ListCheckpoints returns signed checkpoints, newest first (limit 0 for the server default).
func (s *AuditService) ListCheckpoints(ctx context.Context, limit int) (*AuditCheckpointList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	out := &AuditCheckpointList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/audit/checkpoints", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateCheckpoint signs the chain's current head now.
func (s *AuditService) CreateCheckpoint(ctx context.Context) (*AuditCheckpoint, error) {
	out := &AuditCheckpoint{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/audit/checkpoints"}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseAuditNDJSON parses an export: one entry per line, blank lines ignored.
func ParseAuditNDJSON(raw []byte) ([]AuditEntry, error) {
	var entries []AuditEntry
	scanner := bufio.NewScanner(bytes.NewReader(raw))
	scanner.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 {
			continue
		}
		var entry AuditEntry
		if err := json.Unmarshal(line, &entry); err != nil {
			return nil, fmt.Errorf("keyra: audit export line %d: %w", len(entries)+1, err)
		}
		entries = append(entries, entry)
	}
	return entries, scanner.Err()
}

// AuditEntryHash is what an entry's Hash must be: the hex SHA-256 of its RFC 8785 canonical JSON
// without Hash.
func AuditEntryHash(e AuditEntry) (string, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	document, err := json.Marshal(map[string]any{
		"id": e.ID, "tenantId": e.TenantID, "seq": e.Seq, "type": e.Type,
		"environment": e.Environment, "actor": e.Actor, "subject": e.Subject, "data": data,
		"occurredAt": e.OccurredAt, "prevHash": e.PrevHash,
	})
	if err != nil {
		return "", err
	}
	canonical, err := CanonicalJSON(json.RawMessage(document))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}

// AuditHead is where a chain (or a page of it) ends: the last entry's Seq and Hash.
type AuditHead struct {
	Seq  int64
	Hash string
}

// AuditChainBreak names the first broken entry: Problem is hash_mismatch, prev_hash_mismatch,
// seq_gap or reorder.
type AuditChainBreak struct {
	Seq     int64
	ID      string
	Problem string
	Message string
}

// AuditChainResult is VerifyAuditChain's answer: Broken is nil when the entries are intact.
type AuditChainResult struct {
	Count  int
	Head   AuditHead
	Broken *AuditChainBreak
}

// VerifyAuditChain checks unfiltered entries in chain order: each hashes to its Hash, follows the
// previous Seq by one and carries the previous Hash as PrevHash. after is the entry before the
// first one (nil: the chain's start). A chain rewritten consistently is only caught against a
// checkpoint you kept.
func VerifyAuditChain(entries []AuditEntry, after *AuditHead) AuditChainResult {
	previous := AuditHead{Seq: 0, Hash: AuditGenesisHash}
	if after != nil {
		previous = *after
	}
	result := AuditChainResult{}
	broken := func(e AuditEntry, problem, message string) AuditChainResult {
		result.Broken = &AuditChainBreak{Seq: e.Seq, ID: e.ID, Problem: problem, Message: message}
		return result
	}
	for _, e := range entries {
		if e.Seq <= previous.Seq {
			return broken(e, "reorder", fmt.Sprintf("entry %s has seq %d after %d", e.ID, e.Seq, previous.Seq))
		}
		if e.Seq != previous.Seq+1 {
			return broken(e, "seq_gap", fmt.Sprintf("entries %d..%d are missing before entry %d", previous.Seq+1, e.Seq-1, e.Seq))
		}
		if hash, err := AuditEntryHash(e); err != nil || hash != e.Hash {
			return broken(e, "hash_mismatch", fmt.Sprintf("entry %d (%s) does not match its hash", e.Seq, e.ID))
		}
		if e.PrevHash != previous.Hash {
			return broken(e, "prev_hash_mismatch", fmt.Sprintf("entry %d (%s) does not link to entry %d", e.Seq, e.ID, previous.Seq))
		}
		previous = AuditHead{Seq: e.Seq, Hash: e.Hash}
		result.Count++
	}
	result.Head = previous
	return result
}

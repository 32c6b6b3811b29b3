package keyra

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The recorded chain shared by the SDKs (fixtures/audit/README.md).
var auditChainFile = filepath.Join("..", "..", "..", "fixtures", "audit", "chain.ndjson")

func loadAuditChain(t *testing.T) []AuditEntry {
	t.Helper()
	raw, err := os.ReadFile(auditChainFile)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ParseAuditNDJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestVerifyAuditChainAcceptsTheServersChain(t *testing.T) {
	entries := loadAuditChain(t)
	result := VerifyAuditChain(entries, nil)
	if result.Broken != nil || result.Count != 3 || result.Head.Hash != entries[2].Hash {
		t.Fatalf("got %+v", result)
	}
	if r := VerifyAuditChain(entries[1:], &AuditHead{Seq: 1, Hash: entries[0].Hash}); r.Broken != nil {
		t.Fatalf("a later page: %+v", r.Broken)
	}
}

func TestVerifyAuditChainNamesTheBrokenEntry(t *testing.T) {
	entries := loadAuditChain(t)
	edited := append([]AuditEntry(nil), entries...)
	edited[1].Actor = "key_evil"
	if r := VerifyAuditChain(edited, nil); r.Broken == nil || r.Broken.Seq != 2 || r.Broken.Problem != "hash_mismatch" {
		t.Fatalf("edit: %+v", r.Broken)
	}
	if r := VerifyAuditChain([]AuditEntry{entries[0], entries[2]}, nil); r.Broken == nil || r.Broken.Problem != "seq_gap" {
		t.Fatalf("gap: %+v", r.Broken)
	}
	if r := VerifyAuditChain([]AuditEntry{entries[0], entries[0]}, nil); r.Broken == nil || r.Broken.Problem != "reorder" {
		t.Fatalf("repeat: %+v", r.Broken)
	}
}

func TestAuditExportParsesNDJSON(t *testing.T) {
	raw, err := os.ReadFile(auditChainFile)
	if err != nil {
		t.Fatal(err)
	}
	var gotPath string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.String()
		w.Header().Set("content-type", "application/x-ndjson")
		_, _ = w.Write(raw)
	}))
	defer server.Close()
	client := NewClient(Options{APIKey: "sk_live_x", BaseURL: server.URL})
	entries, err := client.Audit.Export(context.Background(), AuditListParams{Type: "api_key.created", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/v1/audit/export?type=api_key.created" {
		t.Fatalf("path %s", gotPath)
	}
	if len(entries) != 3 || VerifyAuditChain(entries, nil).Broken != nil {
		t.Fatalf("entries %+v", entries)
	}
}

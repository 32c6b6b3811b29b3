package keyra

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

type seenRequest struct {
	method, uri string
	body        map[string]any
}

// policyServer answers every request with answer(method, path) and records what it got.
func policyServer(t *testing.T, answer func(method, path string) (int, any)) (*Client, *[]seenRequest) {
	t.Helper()
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		seen = append(seen, seenRequest{r.Method, r.URL.RequestURI(), body})
		status, out := answer(r.Method, r.URL.Path)
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return NewClient(Options{APIKey: "sk_test_x", BaseURL: srv.URL, MaxRetries: -1}), &seen
}

var storedPolicy = map[string]any{
	"id": "pol_abcd1234", "name": "Big wires", "description": nil, "priority": 100, "version": 2,
	"match": map[string]any{"action": "wire.*", "conditions": []any{
		map[string]any{"field": "payload.amount", "op": ">=", "value": 10000},
	}},
	"require":   map[string]any{"quorum": 2, "groups": []string{"finance"}},
	"createdAt": "2026-05-29T18:40:00Z", "updatedAt": "2026-05-29T18:41:00Z", "deletedAt": nil,
}

func TestPoliciesSendAndDecode(t *testing.T) {
	client, seen := policyServer(t, func(method, path string) (int, any) {
		if path == "/v1/policies/evaluate" {
			return 200, map[string]any{
				"policy":      map[string]any{"id": "pol_abcd1234", "name": "Big wires", "version": 2},
				"requirement": map[string]any{"quorum": 2}, "reasons": []string{"Big wires: matches"},
				"refusal": map[string]any{"code": "policy_quorum_required", "message": "m", "details": nil},
			}
		}
		return 200, storedPolicy
	})
	ctx := context.Background()
	created, err := client.Policies.Create(ctx, CreatePolicyParams{
		Name:    "Big wires",
		Match:   PolicyMatchParams{Action: "wire.*", Conditions: []any{"payload.amount >= 10000"}},
		Require: PolicyRequirement{Quorum: 2, Groups: []string{"finance"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.Version != 2 || created.Match.Conditions[0].Op != ">=" || created.Require.Groups[0] != "finance" {
		t.Fatalf("decoded %+v", created)
	}
	first := (*seen)[0]
	if first.method != "POST" || first.uri != "/v1/policies" || first.body["require"].(map[string]any)["quorum"] != float64(2) {
		t.Fatalf("sent %+v", first)
	}
	if _, err := client.Policies.Retrieve(ctx, "pol_abcd1234", 1); err != nil || (*seen)[1].uri != "/v1/policies/pol_abcd1234?version=1" {
		t.Fatalf("retrieve: %v %+v", err, (*seen)[1])
	}
	if _, err := client.Policies.Update(ctx, "pol_abcd1234", UpdatePolicyParams{Require: &PolicyRequirement{Quorum: 3}}); err != nil {
		t.Fatal(err)
	}
	if u := (*seen)[2]; u.method != "PATCH" || len(u.body) != 1 {
		t.Fatalf("update sent %+v", u)
	}
	result, err := client.Policies.Evaluate(ctx, EvaluatePolicyParams{Action: "wire.send", UserID: "usr_a"})
	if err != nil || result.Policy.Version != 2 || result.Refusal.Code != "policy_quorum_required" {
		t.Fatalf("evaluate: %v %+v", err, result)
	}
}

func TestApproverGroupsAndConflict(t *testing.T) {
	client, seen := policyServer(t, func(method, path string) (int, any) {
		if method == "DELETE" {
			return 409, map[string]any{"code": "approver_group_in_use", "message": "in use"}
		}
		return 200, map[string]any{"name": "finance", "members": []string{"usr_a"}, "createdAt": "x", "updatedAt": "x"}
	})
	ctx := context.Background()
	group, err := client.ApproverGroups.Put(ctx, "finance", []string{"usr_a"})
	if err != nil || group.Members[0] != "usr_a" {
		t.Fatalf("put: %v %+v", err, group)
	}
	if put := (*seen)[0]; put.method != "PUT" || put.uri != "/v1/approver_groups/finance" {
		t.Fatalf("sent %+v", put)
	}
	err = client.ApproverGroups.Delete(ctx, "finance")
	var apiErr *Error
	if !errors.Is(err, ErrConflict) || !errors.As(err, &apiErr) || apiErr.Code != "approver_group_in_use" {
		t.Fatalf("delete: %v", err)
	}
}

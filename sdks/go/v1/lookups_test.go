package keyra

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEventDeliveriesAndVoiceEnrollment(t *testing.T) {
	var paths, apiKeys, bearers []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		apiKeys = append(apiKeys, r.Header.Get("x-api-key"))
		bearers = append(bearers, r.Header.Get("authorization"))
		w.Header().Set("content-type", "application/json")
		if r.URL.Path == "/v1/events/evt_abcd1234/deliveries" {
			_, _ = w.Write([]byte(`{"data":[{"id":"wha_1","endpointId":"we_1","eventId":"evt_abcd1234"}],"hasMore":false,"nextCursor":null}`))
			return
		}
		_, _ = w.Write([]byte(`{"wallet":"0xAb/c","method":"voice","projection_id":"p0","params_version":"v1","model_version":null,"created_at":"2026-12-06T10:00:00Z","updated_at":"2026-12-06T10:00:00Z"}`))
	}))
	defer srv.Close()
	client := NewClient(Options{APIKey: "sk_test_x", BaseURL: srv.URL})
	ctx := context.Background()

	attempts, err := client.Events.Deliveries(ctx, "evt_abcd1234", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts.Data) != 1 || attempts.Data[0].EndpointID != "we_1" {
		t.Fatalf("attempts %+v", attempts)
	}
	status, err := client.Voice.Enrollment(ctx, "0xAb/c")
	if err != nil {
		t.Fatal(err)
	}
	if status.Method != "voice" || status.ProjectionID == nil || *status.ProjectionID != "p0" || status.ModelVersion != nil {
		t.Fatalf("status %+v", status)
	}
	if paths[0] != "/v1/events/evt_abcd1234/deliveries?limit=10" || paths[1] != "/api/v1/enrollments/0xAb%2Fc" {
		t.Fatalf("paths %v", paths)
	}
	if bearers[0] != "Bearer sk_test_x" || apiKeys[1] != "sk_test_x" || bearers[1] != "" {
		t.Fatalf("auth %v %v", bearers, apiKeys)
	}
}

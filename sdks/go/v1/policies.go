package keyra

import (
	"context"
	"net/url"
	"strconv"
)

// PolicyCondition is one condition of a policy: Field is "action" or "payload.<path>", Op one of
// == != > >= < <= in not_in exists, Value a scalar (a list for in/not_in, nothing for exists).
// When creating, a condition may also be given in the CLI's string form: see PolicyMatchParams.
type PolicyCondition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value,omitempty"`
}

// PolicyTimeWindow allows approvals on Days ("mon".."sun") from From (inclusive) to To
// (exclusive), HH:MM wall-clock time in the IANA TimeZone; From after To spans midnight.
type PolicyTimeWindow struct {
	TimeZone string   `json:"timeZone"`
	Days     []string `json:"days"`
	From     string   `json:"from"`
	To       string   `json:"to"`
}

// PolicyRequirement is what a policy demands of the challenges it matches; every field optional.
type PolicyRequirement struct {
	// Methods allowed for approval: "device", "passkey", "voice" (checked at verify).
	Methods []string `json:"methods,omitempty"`
	// Quorum is the minimum number of distinct approvers (checked at create).
	Quorum int `json:"quorum,omitempty"`
	// Groups: every approver must be a member of one of these approver groups (at create).
	Groups []string `json:"groups,omitempty"`
	// MaxExpiresIn refuses a challenge living longer, in seconds (not clamped).
	MaxExpiresIn int                `json:"maxExpiresIn,omitempty"`
	Windows      []PolicyTimeWindow `json:"windows,omitempty"`
	// Stamp makes the challenge ask for a stamp whatever its creator said.
	Stamp bool `json:"stamp,omitempty"`
}

// PolicyMatch is what a stored policy matches: an action glob and conditions that must all hold.
type PolicyMatch struct {
	Action     string            `json:"action"`
	Conditions []PolicyCondition `json:"conditions"`
}

// Policy is one version of an approval policy (GET /v1/policies/:id).
type Policy struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	Priority    int               `json:"priority"`
	Version     int               `json:"version"`
	Match       PolicyMatch       `json:"match"`
	Require     PolicyRequirement `json:"require"`
	CreatedAt   string            `json:"createdAt"`
	UpdatedAt   string            `json:"updatedAt"`
	DeletedAt   *string           `json:"deletedAt"`
}

// PolicyList is a page of live policies, newest first.
type PolicyList struct {
	Data       []Policy `json:"data"`
	HasMore    bool     `json:"hasMore"`
	NextCursor *string  `json:"nextCursor"`
}

// PolicyMatchParams is the match of a new policy or a change. Conditions hold PolicyCondition
// values or strings such as "payload.amount >= 10000" and "payload.currency in [EUR, USD]".
type PolicyMatchParams struct {
	Action     string `json:"action"`
	Conditions []any  `json:"conditions,omitempty"`
}

// CreatePolicyParams is POST /v1/policies.
type CreatePolicyParams struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Priority    *int              `json:"priority,omitempty"`
	Match       PolicyMatchParams `json:"match"`
	Require     PolicyRequirement `json:"require"`
}

// UpdatePolicyParams is PATCH /v1/policies/:id: the fields set replace the current version's
// (Match and Require whole); a new version is written.
type UpdatePolicyParams struct {
	Name        string             `json:"name,omitempty"`
	Description *string            `json:"description,omitempty"`
	Priority    *int               `json:"priority,omitempty"`
	Match       *PolicyMatchParams `json:"match,omitempty"`
	Require     *PolicyRequirement `json:"require,omitempty"`
}

// EvaluatePolicyParams is a would-be challenge for the dry run. With UserID or Approvers (and
// Quorum) the create-time checks run too.
type EvaluatePolicyParams struct {
	Action    string         `json:"action"`
	Payload   map[string]any `json:"payload,omitempty"`
	UserID    string         `json:"userId,omitempty"`
	Approvers []string       `json:"approvers,omitempty"`
	Quorum    int            `json:"quorum,omitempty"`
	ExpiresIn int            `json:"expiresIn,omitempty"`
}

// PolicyRef names one policy version.
type PolicyRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version int    `json:"version"`
}

// PolicyRefusal is the 422 a create would answer.
type PolicyRefusal struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details"`
}

// PolicyEvaluation is the dry run's answer: the rule that would apply (nil: none), its
// requirement, one reason per rule tried, and the refusal a create would get (nil: none).
type PolicyEvaluation struct {
	Policy      *PolicyRef         `json:"policy"`
	Requirement *PolicyRequirement `json:"requirement"`
	Reasons     []string           `json:"reasons"`
	Refusal     *PolicyRefusal     `json:"refusal"`
}

// ChallengePolicy is the policy version a challenge was created under (Challenge.Policy).
type ChallengePolicy struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Version     int               `json:"version"`
	Requirement PolicyRequirement `json:"requirement"`
}

// ApproverGroup is a named list of user ids that policies require.
type ApproverGroup struct {
	Name      string   `json:"name"`
	Members   []string `json:"members"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
}

// ApproverGroupList is every approver group, by name.
type ApproverGroupList struct {
	Data []ApproverGroup `json:"data"`
}

// PoliciesService covers /v1/policies: versioned approval policies (docs/policies.md).
type PoliciesService struct{ c *Client }

// Create writes a policy at version 1.
func (s *PoliciesService) Create(ctx context.Context, params CreatePolicyParams) (*Policy, error) {
	out := &Policy{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/policies", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// List returns one page of live policies (limit 0 for the server default); pass NextCursor on.
func (s *PoliciesService) List(ctx context.Context, limit int, cursor string) (*PolicyList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	out := &PolicyList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/policies", query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads the current version (version 0) or the given one; deleted policies keep theirs.
func (s *PoliciesService) Retrieve(ctx context.Context, id string, version int) (*Policy, error) {
	q := url.Values{}
	if version > 0 {
		q.Set("version", strconv.Itoa(version))
	}
	return s.one(ctx, "GET", id, q, nil)
}

// Update writes the next version; challenges already created keep theirs.
func (s *PoliciesService) Update(ctx context.Context, id string, params UpdatePolicyParams) (*Policy, error) {
	return s.one(ctx, "PATCH", id, nil, params)
}

// Delete stops the policy applying and returns its last version; its versions stay readable.
func (s *PoliciesService) Delete(ctx context.Context, id string) (*Policy, error) {
	return s.one(ctx, "DELETE", id, nil, nil)
}

// Evaluate is the dry run: which policy a challenge would fall under, and why. Writes nothing.
func (s *PoliciesService) Evaluate(ctx context.Context, params EvaluatePolicyParams) (*PolicyEvaluation, error) {
	out := &PolicyEvaluation{}
	if err := s.c.do(ctx, request{method: "POST", path: "/v1/policies/evaluate", body: params}, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *PoliciesService) one(ctx context.Context, method, id string, q url.Values, body any) (*Policy, error) {
	p, err := pathID(id)
	if err != nil {
		return nil, err
	}
	out := &Policy{}
	if err := s.c.do(ctx, request{method: method, path: "/v1/policies/" + p, query: q, body: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ApproverGroupsService covers /v1/approver_groups.
type ApproverGroupsService struct{ c *Client }

// List returns every approver group, by name.
func (s *ApproverGroupsService) List(ctx context.Context) (*ApproverGroupList, error) {
	out := &ApproverGroupList{}
	if err := s.c.do(ctx, request{method: "GET", path: "/v1/approver_groups"}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Retrieve reads one group.
func (s *ApproverGroupsService) Retrieve(ctx context.Context, name string) (*ApproverGroup, error) {
	return s.one(ctx, "GET", name, nil)
}

// Put creates the group or replaces its members.
func (s *ApproverGroupsService) Put(ctx context.Context, name string, members []string) (*ApproverGroup, error) {
	if members == nil {
		members = []string{}
	}
	return s.one(ctx, "PUT", name, map[string]any{"members": members})
}

// Delete deletes a group no live policy names (else an error matching ErrConflict, code approver_group_in_use).
func (s *ApproverGroupsService) Delete(ctx context.Context, name string) error {
	p, err := pathID(name)
	if err != nil {
		return err
	}
	return s.c.do(ctx, request{method: "DELETE", path: "/v1/approver_groups/" + p}, nil)
}

func (s *ApproverGroupsService) one(ctx context.Context, method, name string, body any) (*ApproverGroup, error) {
	p, err := pathID(name)
	if err != nil {
		return nil, err
	}
	out := &ApproverGroup{}
	if err := s.c.do(ctx, request{method: method, path: "/v1/approver_groups/" + p, body: body}, out); err != nil {
		return nil, err
	}
	return out, nil
}

/**
 * Request and response types, inferred from the server's own schemas (`@keyra/contract`), so
 * the SDK cannot drift from what the server validates. Type-only: nothing here exists at run
 * time.
 */
import type { Static } from '@sinclair/typebox';
import type * as contract from '@keyra/contract';

export type CreateChallengeParams = Static<typeof contract.CreateChallengeBody>;
export type CreatedChallenge = Static<typeof contract.CreatedChallenge>;
export type Challenge = Static<typeof contract.Challenge>;
export type ChallengeStatus = Static<typeof contract.ChallengeStatus>;
export type ListChallengesParams = Static<typeof contract.ListChallengesQuery>;
export type ChallengeList = Static<typeof contract.ChallengeList>;
export type VerifyChallengeParams = Static<typeof contract.VerifyChallengeBody>;
export type VerifiedChallenge = Static<typeof contract.VerifiedChallenge>;
/** A WebAuthn credential in its JSON form (`credential.toJSON()`). */
export type WebAuthnResponse = Static<typeof contract.WebAuthnResponse>;

export type RegistrationOptionsParams = Static<typeof contract.RegistrationOptionsBody>;
/** `PublicKeyCredentialCreationOptionsJSON`, for `navigator.credentials.create()`. */
export type RegistrationOptions = Static<typeof contract.RegistrationOptions>;
export type VerifyRegistrationParams = Static<typeof contract.VerifyRegistrationBody>;
export type AuthenticationOptionsParams = Static<typeof contract.AuthenticationOptionsBody>;
/** `PublicKeyCredentialRequestOptionsJSON`, for `navigator.credentials.get()`. */
export type AuthenticationOptions = Static<typeof contract.AuthenticationOptions>;
export type VerifyAuthenticationParams = Static<typeof contract.VerifyAuthenticationBody>;
export type VerifiedAuthentication = Static<typeof contract.VerifiedAuthentication>;

export type Device = Static<typeof contract.Device>;
export type DeviceList = Static<typeof contract.DeviceList>;
export type ListDevicesParams = Static<typeof contract.ListDevicesQuery>;
export type UpdateDeviceParams = Static<typeof contract.UpdateDeviceBody>;

/** `POST /v1/simulator/attestation-certificates` (sandbox only): the simulator's key to certify. */
export type CreateAttestationCertificateParams = Static<typeof contract.SimulatorCertificateBody>;
/** The certificate chain for a simulator's attestation key: leaf first, then the simulator root. */
export type AttestationCertificate = Static<typeof contract.SimulatorCertificate>;

export type DeviceSessionOptionsParams = Static<typeof contract.DeviceSessionOptionsBody>;
export type CreateDeviceSessionParams = Static<typeof contract.DeviceSessionBody>;
/** A device-API session: pass `token` to the device-API calls until `expiresAt`. */
export type DeviceSession = Static<typeof contract.DeviceSession>;
/** A challenge as the device API shows it: no digest, the device computes it from these fields. */
export type DeviceChallenge = Static<typeof contract.DeviceChallenge>;
export type DeviceChallengeList = Static<typeof contract.DeviceChallengeList>;
export type ListDeviceChallengesParams = Static<typeof contract.DeviceChallengesQuery>;
export type DeviceRespondParams = Static<typeof contract.DeviceRespondBody>;

export type CreateWebhookEndpointParams = Static<typeof contract.CreateWebhookEndpointBody>;
export type UpdateWebhookEndpointParams = Static<typeof contract.UpdateWebhookEndpointBody>;
export type WebhookEndpoint = Static<typeof contract.WebhookEndpoint>;
export type WebhookEndpointList = Static<typeof contract.WebhookEndpointList>;
export type WebhookAttempt = Static<typeof contract.WebhookAttempt>;
export type WebhookAttemptList = Static<typeof contract.WebhookAttemptList>;
export type ListAttemptsParams = Static<typeof contract.ListAttemptsQuery>;
export type ListEventsParams = Static<typeof contract.ListEventsQuery>;
export type RedeliverParams = Static<typeof contract.RedeliverBody>;
export type Redelivery = Static<typeof contract.Redelivery>;

export type PhraseParams = Static<typeof contract.PhraseBody>;
export type IssuedPhrase = Static<typeof contract.IssuedPhrase>;
export type EnrollParams = Static<typeof contract.EnrollBody>;
export type Enrollment = Static<typeof contract.Enrollment>;
export type EnrollmentStatus = Static<typeof contract.EnrollmentStatus>;
export type VoiceVerifyParams = Static<typeof contract.VerifyBody>;
export type VoiceVerifyResult = Static<typeof contract.VerifyResult>;
export type ListVerifyLogsParams = Static<typeof contract.ListVerifyLogsQuery>;
export type VerifyLog = Static<typeof contract.VerifyLog>;
export type VerifyLogList = Static<typeof contract.VerifyLogList>;

/**
 * A stamp (`GET /v1/stamps/:id`, and `stamp` in approvals and voice verifications): a public,
 * minimal receipt of a proof with its EAS attestation. Check it with `keyra.stamps.verify`.
 */
export type Stamp = Static<typeof contract.Stamp>;
/**
 * `/.well-known/keyra-stamps.json`: what verifiers of stamps need (issuer, JWKS address, and the
 * EAS schema, attester and EIP-712 domain, or `eas: null` when the server attests nothing).
 */
export type StampConfig = Static<typeof contract.StampConfig>;
/** The on-chain mirror of a stamp (`stamp.eas.onchain`). */
export type StampOnchain = Static<typeof contract.StampOnchain>;
/** `from` and `to`: UTC days `YYYY-MM-DD`, inclusive. */
export type UsageParams = Static<typeof contract.UsageQuery>;
/** `GET /v1/usage`: metered verifications per day, free credits and overage. */
export type UsageReport = Static<typeof contract.UsageReport>;

/** Error body of every failed call: `{code, message, details?}`. */
export type ErrorBody = Static<typeof contract.ErrorBody>;

/** Event types the server emits (docs/webhooks.md); new ones may be added. */
export type EventType =
  | 'device.paired'
  | 'device.revoked'
  | 'challenge.approved'
  | 'challenge.rejected'
  | 'challenge.expired'
  | 'challenge.canceled'
  | 'challenge.approval_recorded'
  | 'webhook_endpoint.disabled'
  | 'voice.enrolled'
  | 'voice.verified'
  | 'stamp.mirrored'
  | 'ping';

/** An event, as delivered to webhooks and returned by `GET /v1/events/:id`. */
export interface KeyraEvent<Data extends Record<string, unknown> = Record<string, unknown>> {
  /** `evt_…`, the same on every retry and redelivery: deduplicate on it. */
  id: string;
  type: EventType | (string & {});
  /** When it happened, RFC 3339 UTC (`2026-05-29T18:41:12Z`). */
  createdAt: string;
  /** @deprecated The same instant in Unix seconds; use `createdAt`. */
  created: number;
  data: Data;
}

export interface EventList {
  data: KeyraEvent[];
  hasMore: boolean;
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** One link of the tenant's audit chain (`GET /v1/audit`); see `verifyAuditChain`. */
export type AuditEntry = Static<typeof contract.AuditEntry>;
export type AuditList = Static<typeof contract.AuditList>;
export type ListAuditParams = Static<typeof contract.ListAuditQuery>;
export type ExportAuditParams = Static<typeof contract.ExportAuditQuery>;
/** A signed statement of the chain head: verify `signature` against the JWKS. */
export type AuditCheckpoint = Static<typeof contract.AuditCheckpoint>;
export type AuditCheckpointList = Static<typeof contract.AuditCheckpointList>;
export type ListAuditCheckpointsParams = Static<typeof contract.ListAuditCheckpointsQuery>;

/** An approval policy version (`/v1/policies`); see docs/policies.md. */
export type Policy = Static<typeof contract.Policy>;
export type PolicyList = Static<typeof contract.PolicyList>;
export type PolicyRequirement = Static<typeof contract.PolicyRequirement>;
export type PolicyCondition = Static<typeof contract.PolicyCondition>;
export type PolicyTimeWindow = Static<typeof contract.TimeWindow>;
export type CreatePolicyParams = Static<typeof contract.CreatePolicyBody>;
export type UpdatePolicyParams = Static<typeof contract.UpdatePolicyBody>;
export type ListPoliciesParams = Static<typeof contract.ListPoliciesQuery>;
export type EvaluatePoliciesParams = Static<typeof contract.EvaluatePolicyBody>;
/** The dry run's answer: the rule that would apply, its requirement, why, and any refusal. */
export type PolicyEvaluation = Static<typeof contract.PolicyEvaluation>;
/** The policy a challenge was created under (`challenge.policy`). */
export type ChallengePolicy = Static<typeof contract.ChallengePolicy>;
export type ApproverGroup = Static<typeof contract.ApproverGroup>;
export type ApproverGroupList = Static<typeof contract.ApproverGroupList>;

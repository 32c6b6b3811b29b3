export * from './domain.js';
export * from './ports.js';
export * from './errors.js';
export {
  newId,
  isIdOf,
  randomBase62,
  systemRandom,
  ID_PREFIX,
  type IdKind,
  type RandomBytes,
} from './ids.js';
export { formatTimestamp, parseRfc3339Query } from './time.js';
export { canonicalJson } from './internal/canonicalJson.js';
export {
  challengeDigest,
  challengeDocument,
  rejectionChallenge,
  type ChallengeDigestInput,
} from './challenges/challengeDigest.js';
export { CHALLENGE_LIMITS } from './challenges/limits.js';
export {
  createChallenge,
  jsonDepth,
  type CreateChallengeInput,
  type CreateChallengeDeps,
} from './challenges/createChallenge.js';
export { effectiveStatus } from './challenges/effectiveStatus.js';
export { challengeApprovers } from './challenges/challengeApprovers.js';
export {
  listChallenges,
  encodeCursor,
  decodeCursor,
  type ChallengePage,
} from './challenges/listChallenges.js';
export { expireChallenges, type ExpiryOptions } from './challenges/expireChallenges.js';
export {
  generateApiKey,
  hashApiKey,
  parseApiKeyEnvironment,
  hashesEqual,
  apiKeyState,
  type ApiKeyState,
  type GeneratedApiKey,
} from './keys/apiKeys.js';
export {
  authenticateApiKey,
  type AuthenticatedKey,
  type ApiKeyRejection,
} from './keys/authenticateApiKey.js';
export {
  buildApiKey,
  createApiKey,
  type IssuedApiKey,
  type CreateApiKeyOptions,
} from './keys/createApiKey.js';
export {
  rotateApiKey,
  type RotateApiKeyOptions,
  type RotateApiKeyResult,
} from './keys/rotateApiKey.js';
export { revokeApiKey, type RevokeApiKeyOptions } from './keys/revokeApiKey.js';
export { disableDevice } from './devices/disableDevice.js';
export { ensureTenant } from './tenants/ensureTenant.js';
export { createSecretBox, type SecretBox } from './secrets/createSecretBox.js';
export {
  generateSigningKey,
  jwksDocument,
  PROOF_ALGORITHM,
  type SigningKeyRecord,
} from './proofs/signingKeys.js';
export {
  signProof,
  PROOF_TTL_DEFAULT_SECONDS,
  signCompactJws,
  payloadDigest,
  PROOF_TYPE,
  type ProofClaims,
  type ProofMethod,
  type ProofSubject,
  type ProofApprover,
} from './proofs/signProof.js';
export type { ProofSigner } from './proofs/proofSigner.js';
export { assertDecidable } from './challenges/assertDecidable.js';
export { cancelChallenge, type CancelChallengeDeps } from './challenges/cancelChallenge.js';
export {
  verifyChallenge,
  type VerifyChallengeDeps,
  type VerifyChallengeInput,
  type VerifiedChallenge,
} from './challenges/verifyChallenge.js';
export { acceptedOrigin, type DeviceTrust, type RelyingParty } from './credentials/relyingParty.js';
export {
  readClientData,
  responseCredentialId,
  userHandle,
  type ClientData,
} from './credentials/clientData.js';
export {
  startRegistration,
  CEREMONY_TTL_MS,
  type StartRegistrationInput,
} from './credentials/startRegistration.js';
export {
  finishRegistration,
  type FinishRegistrationInput,
} from './credentials/finishRegistration.js';
export {
  startAuthentication,
  type StartAuthenticationInput,
} from './credentials/startAuthentication.js';
export { finishAuthentication } from './credentials/finishAuthentication.js';
export { verifyAssertion, type AssertionResult } from './credentials/verifyAssertion.js';
export * from './voice/index.js';
export {
  EVENT_TYPES,
  type EventType,
  type DeliveryStatus,
  type WebhookAttemptRecord,
  type WebhookDeliveryRecord,
  type WebhookEndpointRecord,
} from './webhooks/webhookRecords.js';
export {
  signWebhook,
  standardKey,
  verifyKeyraSignature,
  type WebhookSignatureHeaders,
} from './webhooks/signWebhook.js';
export { RETRY_DELAYS_SECONDS, MAX_ATTEMPTS, nextAttemptAt } from './webhooks/retrySchedule.js';
export {
  recordEvent,
  queueDeliveries,
  eventBody,
  eventObject,
  type EventObject,
} from './webhooks/recordEvent.js';
export {
  generateWebhookSecret,
  newSealedSecret,
  type WebhookSecretDeps,
} from './webhooks/webhookSecret.js';
export {
  assertWebhookUrl,
  type WebhookUrlGuard,
  type WebhookUrlRefusal,
} from './webhooks/webhookUrlGuard.js';
export { findWebhookEndpoint } from './webhooks/findWebhookEndpoint.js';
export { findEvent } from './webhooks/findEvent.js';
export { listEvents } from './webhooks/listEvents.js';
export {
  createWebhookEndpoint,
  type CreateWebhookEndpointDeps,
  type CreateWebhookEndpointInput,
  type CreatedWebhookEndpoint,
} from './webhooks/createWebhookEndpoint.js';
export {
  updateWebhookEndpoint,
  type UpdateWebhookEndpointDeps,
} from './webhooks/updateWebhookEndpoint.js';
export {
  rotateWebhookSecret,
  type RotateWebhookSecretDeps,
  type RotatedWebhookSecret,
} from './webhooks/rotateWebhookSecret.js';
export {
  deleteWebhookEndpoint,
  type DeleteWebhookEndpointDeps,
} from './webhooks/deleteWebhookEndpoint.js';
export {
  redeliverEvent,
  type RedeliverEventDeps,
  type RedeliverEventInput,
  type RedeliveredEvent,
} from './webhooks/redeliverEvent.js';
export { sendTestEvent, type SendTestEventDeps } from './webhooks/sendTestEvent.js';
export { revokeDevice, type RevokeDeviceDeps } from './devices/revokeDevice.js';
export {
  renameDevice,
  type RenameDeviceDeps,
  type RenameDeviceInput,
} from './devices/renameDevice.js';
export type {
  ChainOutcome,
  ChainStatus,
  StampClaims,
  StampIssuer,
  StampRecord,
  StampMethod,
  StampSubject,
  UsageBucket,
  UsageRecord,
} from './stamps/stampRecords.js';
export { STAMP_TYPE, proofSha256, stampClaims } from './stamps/stampClaims.js';
export { meterVerification, utcDay } from './usage/meterVerification.js';
export {
  buildUsageReport,
  defaultUsageRange,
  USAGE_MAX_DAYS,
  type UsageReportData,
} from './usage/buildUsageReport.js';
export {
  decodeKeysetCursor,
  encodeKeysetCursor,
  toKeysetPage,
  type KeysetCursor,
  type KeysetPage,
} from './pagination/keysetCursor.js';
export {
  DELIVERY_MODES,
  type CibaRequestRecord,
  type DeliveryMode,
  type OAuthClientRecord,
} from './ciba/cibaRecords.js';
export {
  createOAuthClient,
  hashClientSecret,
  CLIENT_NAME_MAX_LENGTH,
  type CreateOAuthClientDeps,
  type CreateOAuthClientInput,
  type IssuedOAuthClient,
} from './ciba/createOAuthClient.js';
export {
  authenticateClient,
  type ClientCredentials,
  type ClientRejection,
} from './ciba/authenticateClient.js';
export {
  startBackchannelAuthentication,
  authorizationDetailsOf,
  hashAuthReqId,
  parseKeyraAction,
  KEYRA_ACTION_TYPE,
  BINDING_MESSAGE_MAX_LENGTH,
  type BackchannelParams,
  type KeyraAction,
  type StartBackchannelAuthenticationDeps,
  type StartedBackchannelAuthentication,
} from './ciba/startBackchannelAuthentication.js';
export {
  pollCibaToken,
  CIBA_GRANT_TYPE,
  CIBA_TOKEN_TTL_SECONDS,
  type CibaTokens,
  type IdTokenSigner,
  type PollCibaTokenDeps,
} from './ciba/pollCibaToken.js';
export { queueCibaNotification } from './ciba/queueCibaNotification.js';
export {
  buildCibaNotification,
  type BuildCibaNotificationDeps,
  type CibaNotification,
} from './ciba/buildCibaNotification.js';
export {
  AUDIT_CHECKPOINT_TYPE,
  AUDIT_GENESIS_HASH,
  AUDIT_TYPES,
  type AuditCheckpointClaims,
  type AuditCheckpointRecord,
  type AuditDraft,
  type AuditEntry,
  type AuditFact,
  type AuditHead,
  type AuditType,
} from './audit/auditRecords.js';
export { auditDocument, hashAuditEntry, sealAuditEntry } from './audit/auditDocument.js';
export { appendAudit, auditDraft } from './audit/appendAudit.js';
export {
  verifyAuditChain,
  type AuditBreak,
  type AuditChainBreak,
  type AuditChainReport,
  type VerifyAuditChainOptions,
} from './audit/verifyAuditChain.js';
export {
  listAudit,
  encodeAuditCursor,
  decodeAuditCursor,
  type AuditPage,
} from './audit/listAudit.js';
export {
  createAuditCheckpoint,
  type AuditCheckpointSigner,
  type AuditCheckpointStamping,
  type CreateAuditCheckpointDeps,
} from './audit/createAuditCheckpoint.js';
export {
  checkpointAuditHeads,
  type CheckpointAuditHeadsDeps,
} from './audit/checkpointAuditHeads.js';
export { verifyAuditCheckpoint } from './audit/verifyAuditCheckpoint.js';
export { listAuditCheckpoints } from './audit/listAuditCheckpoints.js';
export { exportAudit } from './audit/exportAudit.js';
export { checkAuditTrail, type AuditTrailReport } from './audit/checkAuditTrail.js';
// Policies: the pure evaluator (rule matching, typed conditions, time windows, the CLI's
// condition syntax), the stored policies and approver groups, and their use cases.
export {
  evaluatePolicies,
  matchesActionGlob,
  checkCondition,
  type PolicyEvaluation,
  type PolicySubject,
} from './policies/evaluatePolicies.js';
export { isWithinWindows } from './policies/isWithinWindows.js';
export { parseCondition } from './policies/parseCondition.js';
export {
  normalizePolicy,
  POLICY_LIMITS,
  type PolicyInput,
  type PolicyConditionInput,
} from './policies/policyInput.js';
export { findPolicy } from './policies/findPolicy.js';
export { createPolicy, type PolicyChangeDeps } from './policies/createPolicy.js';
export { updatePolicy, type PolicyPatch } from './policies/updatePolicy.js';
export { deletePolicy } from './policies/deletePolicy.js';
export { listPolicies } from './policies/listPolicies.js';
export {
  putApproverGroup,
  groupNotFound,
  type ApproverGroupDeps,
} from './policies/putApproverGroup.js';
export { deleteApproverGroup } from './policies/deleteApproverGroup.js';
export {
  evaluateChallengePolicy,
  type ChallengePolicySubject,
  type ChallengePolicyVerdict,
} from './policies/evaluateChallengePolicy.js';
export { assertPolicyAllows } from './policies/assertPolicyAllows.js';
export {
  dryRunPolicies,
  type PolicyDryRun,
  type PolicyDryRunInput,
} from './policies/dryRunPolicies.js';
export {
  CONDITION_OPS,
  WEEKDAYS,
  type ConditionOp,
  type PolicyCondition,
  type PolicyRequirement,
  type PolicyRule,
  type PolicyRecord,
  type PolicyStore,
  type ApproverGroupRecord,
  type ApproverGroupStore,
  type ChallengePolicy,
  type Scalar,
  type TimeWindow,
  type Weekday,
} from './policies/policyRecords.js';
export * from './console/index.js';

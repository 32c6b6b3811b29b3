/**
 * `@keyra/sdk`: the typed KEYRA client. No runtime dependencies; uses `fetch` and WebCrypto,
 * so it runs on Node >= 18, Bun, Deno and edge runtimes.
 */
export { Keyra } from './keyra.js';
export { DEFAULT_BASE_URL, type KeyraOptions, type RequestOptions } from './client.js';
export {
  APIConnectionError,
  APIError,
  AttestationInvalidError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  GoneError,
  InvalidRequestError,
  KeyraError,
  NotFoundError,
  PermissionDeniedError,
  PermissionError,
  ProofVerificationError,
  RateLimitError,
  WebhookSignatureError,
  type APIConnectionErrorOptions,
  type ConnectionErrorOptions,
  type KeyraErrorOptions,
} from './errors.js';
export { withRetries, type RetryPolicy } from './retry.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  Webhooks,
  type RawBody,
  type SignatureHeader,
  type WebhookVerifyOptions,
} from './webhooks.js';
export {
  Proofs,
  payloadDigest,
  type ProofApprover,
  type ProofClaims,
  type ProofVerifyOptions,
} from './proofs.js';
export { Stamps, type StampClaims, type StampVerifyOptions } from './stamps.js';
export { Audit, parseAuditNdjson } from './resources/audit.js';
export { ApproverGroups, Policies } from './resources/policies.js';
export {
  AUDIT_GENESIS_HASH,
  auditEntryHash,
  verifyAuditChain,
  type AuditChainBreak,
  type AuditChainResult,
  type VerifyAuditChainOptions,
} from './auditChain.js';
export type * from './types.js';

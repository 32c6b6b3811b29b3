/** Bounds on challenge input, shared by the request schema and the core checks. */
export const CHALLENGE_LIMITS = {
  actionMaxLength: 100,
  /** Dotted lowercase name: `transfer.approve`, `deploy.production`, `agent.tool_call`. */
  actionPattern: '^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$',
  userIdMaxLength: 128,
  userIdPattern: '^[A-Za-z0-9._:@-]+$',
  /** A quorum challenge names 1 to 20 distinct approvers. */
  approversMax: 20,
  payloadMaxBytes: 16 * 1024,
  payloadMaxDepth: 16,
  expiresInMin: 10,
  expiresInMax: 600,
  expiresInDefault: 120,
  /** A relying party's name, e.g. `payments-api` or `https://bank.example`; no control characters. */
  audienceMaxLength: 200,
  audiencePattern: '^[^\\u0000-\\u001f\\u007f]+$',
  /** Stripe-like metadata: a few short string labels, never shown to the human. */
  metadataMaxKeys: 20,
  metadataKeyMaxLength: 40,
  metadataKeyPattern: '^[A-Za-z0-9_.-]+$',
  metadataValueMaxLength: 500,
} as const;

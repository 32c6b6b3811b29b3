import type { ChallengeQuorum, ChallengeRecord, EpochMs, RejectOn, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { IdempotentResponse, Storage } from '../ports.js';
import { auditDraft } from '../audit/appendAudit.js';
import { canonicalJson } from '../internal/canonicalJson.js';
import { challengeDigest } from './challengeDigest.js';
import { CHALLENGE_LIMITS } from './limits.js';
import { evaluateChallengePolicy } from '../policies/evaluateChallengePolicy.js';

export interface CreateChallengeInput {
  action: string;
  /** The one human who must approve. Give either this or `approvers` + `quorum`. */
  userId?: string;
  /** The humans who may approve a quorum challenge (distinct), with `quorum`. */
  approvers?: string[];
  /** How many distinct `approvers` must approve, 1 to `approvers.length`. */
  quorum?: number;
  /** When a quorum challenge is rejected; default `impossible`. */
  rejectOn?: RejectOn;
  payload?: Record<string, unknown>;
  expiresIn?: number;
  /** Issue a stamp when the challenge is approved. */
  stamp?: boolean;
  /** The proof's `aud`: the caller's own, else the creating key's (see `ApiKeyRecord.audience`). */
  audience: string;
  /** String labels echoed back and in webhooks, never shown to the human. */
  metadata?: Record<string, string>;
  /** CIBA's `binding_message`, shown beside the action and payload (checked by the CIBA verb). */
  bindingMessage?: string;
}

export interface CreateChallengeDeps {
  /**
   * The root storage or the stores of the caller's transaction. The write is one atomic
   * `challenges.insert` with its audit entry, so the verb opens no transaction of its own.
   */
  storage: Pick<Storage, 'challenges' | 'policies' | 'approverGroups'>;
  /** Who asks, for the audit log, when not the API key of `scope` (e.g. an OAuth client id). */
  actor?: string;
  now: EpochMs;
  random?: RandomBytes;
  /**
   * The response a claimed Idempotency-Key stores, made from the challenge about to be written:
   * stored by the same write (`ChallengeStore.insert`), so a retry can never find the challenge
   * made and its answer missing.
   */
  respond?: (challenge: ChallengeRecord) => IdempotentResponse;
}

/** Nesting depth of a JSON value: a scalar is 0, `{}` is 1, `{"a":{}}` is 2. */
export function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value as object);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, jsonDepth(child));
  return deepest + 1;
}

/** 400 `validation_failed` naming one field. */
function invalid(field: string, issue: string, message: string): KeyraError {
  return new KeyraError('validation_failed', message, { details: [{ field, issue }] });
}

/**
 * Who must approve: exactly one of `userId` or `approvers` (distinct) with a `quorum` between 1
 * and their number; `quorum` and `rejectOn` only with `approvers`.
 */
function approversOf(
  input: CreateChallengeInput,
): { userId: string; quorum: null } | { userId: null; quorum: ChallengeQuorum } {
  if (input.approvers === undefined) {
    if (input.userId === undefined)
      throw invalid('userId', 'required', 'Give userId (one approver) or approvers and quorum.');
    if (input.quorum !== undefined || input.rejectOn !== undefined)
      throw invalid(
        input.quorum !== undefined ? 'quorum' : 'rejectOn',
        'requires_approvers',
        'quorum and rejectOn apply to a challenge with approvers, not one with a userId.',
      );
    return { userId: input.userId, quorum: null };
  }
  if (input.userId !== undefined)
    throw invalid(
      'approvers',
      'conflicts_with_user_id',
      'Give either userId (one approver) or approvers and quorum, not both.',
    );
  const approvers = input.approvers;
  if (approvers.length === 0 || approvers.length > CHALLENGE_LIMITS.approversMax)
    throw invalid(
      'approvers',
      'size',
      `approvers lists 1 to ${CHALLENGE_LIMITS.approversMax} user ids; it has ${approvers.length}.`,
    );
  const duplicate = approvers.find((userId, index) => approvers.indexOf(userId) !== index);
  if (duplicate !== undefined)
    throw invalid(
      'approvers',
      'duplicate',
      `approvers lists ${duplicate} twice; each human counts once.`,
    );
  if (input.quorum === undefined)
    throw invalid('quorum', 'required', 'A challenge with approvers needs a quorum.');
  if (input.quorum < 1 || input.quorum > approvers.length)
    throw invalid(
      'quorum',
      'out_of_range',
      `quorum is ${input.quorum}; it must be between 1 and the ${approvers.length} approvers.`,
    );
  return {
    userId: null,
    quorum: {
      approvers: [...approvers],
      quorum: input.quorum,
      rejectOn: input.rejectOn ?? 'impossible',
      votes: [],
    },
  };
}

/**
 * Creates a pending, single-use challenge bound to `action` + `payload` by its digest, for one
 * human (`userId`) or a quorum of `approvers`. The schema has already checked types and ranges;
 * here the payload's size (of its canonical form) and depth, and who must approve, are checked,
 * since JSON Schema cannot express them. Then the first matching approval policy (see
 * `evaluateChallengePolicy`) is applied: its refusal (422 `policy_*`) stores nothing; otherwise the
 * challenge stores the policy version and its requirement (enforced at verify whatever the policy
 * becomes) and asks for a stamp when the policy says `stamp: true`. The challenge and its
 * `challenge.created` audit entry are written together, all or nothing.
 */
export async function createChallenge(
  scope: Scope,
  input: CreateChallengeInput,
  deps: CreateChallengeDeps,
): Promise<ChallengeRecord> {
  const who = approversOf(input);
  const payload = input.payload ?? {};
  const depth = jsonDepth(payload);
  if (depth > CHALLENGE_LIMITS.payloadMaxDepth) {
    throw new KeyraError(
      'validation_failed',
      `payload is nested ${depth} levels deep; the limit is ${CHALLENGE_LIMITS.payloadMaxDepth}.`,
      {
        details: [{ field: 'payload', issue: 'too_deep', limit: CHALLENGE_LIMITS.payloadMaxDepth }],
      },
    );
  }
  let canonical: string;
  try {
    canonical = canonicalJson(payload);
  } catch {
    throw new KeyraError(
      'validation_failed',
      'payload has a string that is not valid Unicode (a lone surrogate).',
      {
        details: [{ field: 'payload', issue: 'invalid_unicode' }],
      },
    );
  }
  const size = Buffer.byteLength(canonical, 'utf8');
  if (size > CHALLENGE_LIMITS.payloadMaxBytes) {
    throw new KeyraError(
      'validation_failed',
      `payload is ${size} bytes as canonical JSON; the limit is ${CHALLENGE_LIMITS.payloadMaxBytes}.`,
      {
        details: [
          { field: 'payload', issue: 'too_large', limit: CHALLENGE_LIMITS.payloadMaxBytes },
        ],
      },
    );
  }
  const expiresIn = input.expiresIn ?? CHALLENGE_LIMITS.expiresInDefault;
  // Whole seconds, so the RFC 3339 string the digest covers is the one the API prints.
  const expiresAt = Math.floor(deps.now / 1000) * 1000 + expiresIn * 1000;
  const id = newId('challenge', deps.random ?? systemRandom);
  const record: ChallengeRecord = {
    id,
    tenantId: scope.tenantId,
    environment: scope.environment,
    action: input.action,
    userId: who.userId,
    payload,
    digest: who.quorum
      ? challengeDigest({
          id,
          action: input.action,
          approvers: who.quorum.approvers,
          quorum: who.quorum.quorum,
          payload,
          expiresAt,
        })
      : challengeDigest({ id, action: input.action, userId: who.userId, payload, expiresAt }),
    status: 'pending',
    createdAt: deps.now,
    expiresAt,
    decidedAt: null,
    deviceId: null,
    method: null,
    proof: null,
    stampRequested: input.stamp ?? false,
    stampId: null,
    audience: input.audience,
    metadata: input.metadata ?? {},
    ...(input.bindingMessage !== undefined ? { bindingMessage: input.bindingMessage } : {}),
    ...(who.quorum ? { quorum: who.quorum } : {}),
  };
  // The policies are read before the write, not under a lock: a policy changed concurrently with
  // a create applies to it or not, as it would with the read inside a transaction (PostgreSQL's
  // read committed); the challenge records the version it was created under either way.
  const verdict = await evaluateChallengePolicy(
    scope,
    {
      action: input.action,
      payload,
      approvers: who.quorum ? who.quorum.approvers : [who.userId],
      quorum: who.quorum?.quorum ?? 1,
      expiresIn,
    },
    deps.storage,
  );
  if (verdict.refusal) throw verdict.refusal;
  const stored: ChallengeRecord = verdict.policy
    ? {
        ...record,
        stampRequested: record.stampRequested || verdict.policy.requirement.stamp === true,
        policy: verdict.policy,
      }
    : record;
  await deps.storage.challenges.insert(
    stored,
    auditDraft(
      scope,
      {
        type: 'challenge.created',
        actor: deps.actor,
        subject: id,
        data: { action: record.action, userId: record.userId, digest: record.digest },
      },
      deps.now,
      deps.random,
    ),
    deps.respond?.(stored),
  );
  return stored;
}

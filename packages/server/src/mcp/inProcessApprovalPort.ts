import {
  cancelChallenge,
  createChallenge,
  KeyraError,
  type Clock,
  type Scope,
  type Storage,
} from '@keyra/core';
import { Keyra } from '@keyra/sdk';
import type { ServerProofSigner } from '../approval/createProofSigner.js';
import { notifyApprovers, type ChallengeNotifier } from '../approval/challengeNotifier.js';
import { challengeJson } from '../routes/challenges/challengeJson.js';
import type { ApprovalPort } from './approvalPort.js';

export interface InProcessApprovalPortOptions {
  /** The request's tenant and environment, and the API key's audience (the proofs' `aud`). */
  scope: Scope & { audience: string };
  storage: Storage;
  clock: Clock;
  signer: ServerProofSigner;
  notifier: ChallengeNotifier;
  pollIntervalMs?: number;
}

/** The JWKS `proofs.verify` fetches, answered from the signer instead of over the network. */
function jwksFetch(signer: ServerProofSigner): typeof fetch {
  return async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== '/.well-known/jwks.json') return new Response(null, { status: 404 });
    return Response.json(await signer.jwks());
  };
}

/**
 * The MCP tools' port for `POST /mcp`: the same core verbs as the `/v1/challenges` routes, in the
 * request's tenant and environment, and the SDK's own `proofs.verify` over the signer's JWKS.
 */
export function createInProcessApprovalPort(options: InProcessApprovalPortOptions): ApprovalPort {
  const { scope, storage, clock, notifier } = options;
  // Only the JWKS is ever fetched through it; the origin is never contacted.
  const proofs = new Keyra({ baseUrl: 'http://keyra.invalid', fetch: jwksFetch(options.signer) })
    .proofs;
  return {
    pollIntervalMs: options.pollIntervalMs ?? 500,
    async create(request) {
      const record = await createChallenge(
        scope,
        { ...request, audience: scope.audience },
        {
          storage,
          now: clock.now(),
        },
      );
      notifyApprovers(notifier, record);
      return challengeJson(record, clock.now());
    },
    async get(id) {
      const record = await storage.challenges.find(scope, id);
      if (!record)
        throw new KeyraError('challenge_not_found', `No challenge ${id} in this environment.`);
      return challengeJson(record, clock.now());
    },
    async cancel(id) {
      const record = await cancelChallenge(scope, id, { storage, now: clock.now() });
      notifyApprovers(notifier, record);
    },
    verifyProof(proof, expected) {
      // The server's own clock decides expiry here, as it decided the proof's iat and exp.
      return proofs.verify(proof, {
        env: scope.environment,
        currentDate: new Date(clock.now()),
        ...expected,
      });
    },
  };
}

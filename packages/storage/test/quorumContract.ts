import {
  auditDraft,
  verifyAuditChain,
  type ChallengeRecord,
  type ChallengeVote,
  type Scope,
} from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage, OpenStorageOptions } from '../src/index.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };
const LIVE_A: Scope = { tenantId: 'tnt_a', environment: 'production' };

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;
type Open = (url: string, options?: OpenStorageOptions) => Promise<DatabaseStorage>;

function quorumChallenge(
  id: string,
  approvers: string[],
  quorum: number,
  overrides: Partial<ChallengeRecord> = {},
): ChallengeRecord {
  return {
    id,
    ...A,
    action: 'wire.send',
    userId: null,
    payload: { amount: 25_000 },
    digest: 'ef'.repeat(32),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 5 * MINUTE,
    decidedAt: null,
    deviceId: null,
    method: null,
    proof: null,
    stampRequested: false,
    stampId: null,
    audience: 'payments-api',
    metadata: {},
    quorum: { approvers, quorum, rejectOn: 'impossible', votes: [] },
    ...overrides,
  };
}

function single(
  id: string,
  userId: string,
  overrides: Partial<ChallengeRecord> = {},
): ChallengeRecord {
  const { quorum: _quorum, ...rest } = quorumChallenge(id, [], 1, overrides);
  return { ...rest, userId };
}

function vote(
  userId: string,
  at = T0 + 1,
  decision: ChallengeVote['decision'] = 'approved',
): ChallengeVote {
  return { userId, decision, deviceId: `dev_${userId}`, method: 'device', decidedAt: at };
}

/** Quorum challenges: approvers stored in order, one vote per approver, counted one at a time. */
export function quorumContract(setup: Setup, open: Open): void {
  it('writes a challenge and its audit entry together, all or nothing', async () => {
    const { storage } = await setup();
    const draft = (subject: string, id = `aud_${subject}`) => ({
      ...auditDraft(A, { type: 'challenge.created', subject }, T0),
      id,
    });
    await storage.challenges.insert(single('ch_one', 'usr_a'), draft('ch_one'));
    await storage.challenges.insert(quorumChallenge('ch_q', ['usr_a', 'usr_b'], 2), draft('ch_q'));
    // The challenge's id is taken: its entry is not written either.
    await expect(
      storage.challenges.insert(single('ch_one', 'usr_b'), draft('ch_one', 'aud_again')),
    ).rejects.toThrow();
    await expect(
      storage.challenges.insert(
        quorumChallenge('ch_q', ['usr_a', 'usr_c'], 2),
        draft('ch_q', 'aud_qagain'),
      ),
    ).rejects.toThrow();
    // In a transaction that rolls back, neither stays.
    await expect(
      storage.transaction(async (tx) => {
        await tx.challenges.insert(single('ch_rb', 'usr_a'), draft('ch_rb'));
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await storage.challenges.find(A, 'ch_rb')).toBeNull();
    expect(await storage.challenges.find(A, 'ch_one')).toMatchObject({ userId: 'usr_a' });
    expect(await storage.challenges.find(A, 'ch_q')).toMatchObject({
      quorum: { approvers: ['usr_a', 'usr_b'] },
    });
    const chain = await storage.audit.list(A.tenantId, {}, 10);
    expect(chain.map((e) => [e.seq, e.id, e.subject])).toEqual([
      [1, 'aud_ch_one', 'ch_one'],
      [2, 'aud_ch_q', 'ch_q'],
    ]);
    expect(verifyAuditChain(chain).intact).toBe(true);
  });

  it('stores a quorum challenge with its approvers in order and no user; a plain one is unchanged', async () => {
    const { storage } = await setup();
    const created = quorumChallenge('ch_q', ['usr_c', 'usr_a', 'usr_b'], 2);
    await storage.challenges.insert(created);
    await storage.challenges.insert(single('ch_1', 'usr_a'));
    expect(await storage.challenges.find(A, 'ch_q')).toEqual(created);
    const plain = await storage.challenges.find(A, 'ch_1');
    expect(plain).toEqual(single('ch_1', 'usr_a'));
    expect(plain).not.toHaveProperty('quorum');
    const listed = await storage.challenges.list(A, {}, 10);
    // Same createdAt: newest first is id descending.
    expect(listed.map((c) => c.quorum?.approvers ?? c.userId)).toEqual([
      ['usr_c', 'usr_a', 'usr_b'],
      'usr_a',
    ]);
  });

  it('vote: records once per approver, refuses a second vote and a stranger, and changes nothing then', async () => {
    const { storage } = await setup();
    await storage.challenges.insert(quorumChallenge('ch_q', ['usr_a', 'usr_b', 'usr_c'], 2));
    const first = await storage.challenges.vote(A, 'ch_q', vote('usr_b', T0 + 1), T0 + 1);
    expect(first.outcome).toBe('recorded');
    expect(first.outcome === 'recorded' && first.challenge.quorum?.votes).toEqual([
      vote('usr_b', T0 + 1),
    ]);
    expect(first.outcome === 'recorded' && first.challenge.status).toBe('pending');

    const again = await storage.challenges.vote(
      A,
      'ch_q',
      vote('usr_b', T0 + 2, 'rejected'),
      T0 + 2,
    );
    expect(again).toEqual({ outcome: 'duplicate' });
    expect(await storage.challenges.vote(A, 'ch_q', vote('usr_z'), T0 + 2)).toEqual({
      outcome: 'not_an_approver',
    });
    const second = await storage.challenges.vote(
      A,
      'ch_q',
      vote('usr_a', T0 + 3, 'rejected'),
      T0 + 3,
    );
    expect(second.outcome === 'recorded' && second.challenge.quorum?.votes).toEqual([
      vote('usr_b', T0 + 1),
      vote('usr_a', T0 + 3, 'rejected'),
    ]);
    expect((await storage.challenges.find(A, 'ch_q'))?.quorum?.votes).toHaveLength(2);
  });

  it('vote: a decided, canceled, expired, plain or foreign challenge is closed', async () => {
    const { storage } = await setup();
    for (const id of ['ch_decided', 'ch_canceled', 'ch_late', 'ch_foreign'])
      await storage.challenges.insert(quorumChallenge(id, ['usr_a', 'usr_b'], 1));
    await storage.challenges.insert(single('ch_plain', 'usr_a'));
    await storage.challenges.decide(A, 'ch_decided', 'rejected', T0 + 1);
    await storage.challenges.cancel(A, 'ch_canceled', T0 + 1);
    const closed = { outcome: 'closed' };
    expect(await storage.challenges.vote(A, 'ch_decided', vote('usr_a'), T0 + 2)).toEqual(closed);
    expect(await storage.challenges.vote(A, 'ch_canceled', vote('usr_a'), T0 + 2)).toEqual(closed);
    // expiresAt is exclusive, as for decide.
    expect(await storage.challenges.vote(A, 'ch_late', vote('usr_a'), T0 + 5 * MINUTE)).toEqual(
      closed,
    );
    expect(await storage.challenges.vote(A, 'ch_plain', vote('usr_a'), T0 + 2)).toEqual(closed);
    expect(await storage.challenges.vote(B, 'ch_foreign', vote('usr_a'), T0 + 2)).toEqual(closed);
    expect(await storage.challenges.vote(LIVE_A, 'ch_foreign', vote('usr_a'), T0 + 2)).toEqual(
      closed,
    );
    expect(await storage.challenges.vote(A, 'ch_missing', vote('usr_a'), T0 + 2)).toEqual(closed);
    for (const id of ['ch_decided', 'ch_canceled', 'ch_late', 'ch_foreign'])
      expect((await storage.challenges.find(A, id))?.quorum?.votes).toEqual([]);
  });

  it('a vote in a transaction that fails afterwards is rolled back', async () => {
    const { storage } = await setup();
    await storage.challenges.insert(quorumChallenge('ch_q', ['usr_a', 'usr_b'], 2));
    await expect(
      storage.transaction(async (tx) => {
        expect((await tx.challenges.vote(A, 'ch_q', vote('usr_a'), T0 + 1)).outcome).toBe(
          'recorded',
        );
        throw new Error('the device counter was already used');
      }),
    ).rejects.toThrow(/counter/);
    expect((await storage.challenges.find(A, 'ch_q'))?.quorum?.votes).toEqual([]);
    expect((await storage.challenges.vote(A, 'ch_q', vote('usr_a'), T0 + 2)).outcome).toBe(
      'recorded',
    );
  });

  it('listPendingFor: the user’s own pending challenges and quorums awaiting their vote', async () => {
    const { storage } = await setup();
    await storage.challenges.insert(single('ch_mine', 'usr_a', { createdAt: T0 + 1 }));
    await storage.challenges.insert(single('ch_theirs', 'usr_b', { createdAt: T0 + 2 }));
    await storage.challenges.insert(
      quorumChallenge('ch_q_open', ['usr_b', 'usr_a'], 2, { createdAt: T0 + 3 }),
    );
    await storage.challenges.insert(
      quorumChallenge('ch_q_voted', ['usr_a', 'usr_b'], 2, { createdAt: T0 + 4 }),
    );
    await storage.challenges.insert(
      quorumChallenge('ch_q_other', ['usr_b', 'usr_c'], 1, { createdAt: T0 + 5 }),
    );
    await storage.challenges.insert(
      quorumChallenge('ch_q_expired', ['usr_a', 'usr_b'], 1, {
        createdAt: T0 + 6,
        expiresAt: T0 + MINUTE,
      }),
    );
    await storage.challenges.insert(
      quorumChallenge('ch_q_decided', ['usr_a', 'usr_b'], 1, { createdAt: T0 + 7 }),
    );
    await storage.challenges.insert(
      quorumChallenge('ch_q_live', ['usr_a'], 1, { createdAt: T0 + 8, ...LIVE_A }),
    );
    await storage.challenges.vote(A, 'ch_q_voted', vote('usr_a'), T0 + 10);
    await storage.challenges.decide(A, 'ch_q_decided', 'approved', T0 + 10);
    const ids = async (userId: string, scope: Scope = A): Promise<string[]> =>
      (await storage.challenges.listPendingFor(scope, userId, T0 + 2 * MINUTE, 10)).map(
        (c) => c.id,
      );
    expect(await ids('usr_a')).toEqual(['ch_q_open', 'ch_mine']);
    expect(await ids('usr_b')).toEqual(['ch_q_other', 'ch_q_voted', 'ch_q_open', 'ch_theirs']);
    expect(await ids('usr_a', LIVE_A)).toEqual(['ch_q_live']);
    expect(await ids('usr_a', B)).toEqual([]);
    expect(
      (await storage.challenges.listPendingFor(A, 'usr_b', T0 + 2 * MINUTE, 2)).map((c) => c.id),
    ).toEqual(['ch_q_other', 'ch_q_voted']);
  });

  it('racing votes on two storage instances: every approver counted exactly once, one decide', async () => {
    const { url, storage } = await setup();
    const other = await open(url);
    const approvers = ['usr_1', 'usr_2', 'usr_3', 'usr_4', 'usr_5', 'usr_6'];
    for (let round = 0; round < 4; round++) {
      const id = `ch_race_${round}`;
      const quorum = 2 + (round % 3);
      await storage.challenges.insert(quorumChallenge(id, approvers, quorum));
      // Every approver votes twice at once (one on each instance); the vote that reaches the
      // quorum decides in the same transaction, as the core verb does.
      const attempts = approvers.flatMap((userId, i) =>
        [storage, other].map((instance, copy) =>
          instance.transaction(async (tx) => {
            const outcome = await tx.challenges.vote(A, id, vote(userId, T0 + 1 + i), T0 + 1 + i);
            if (outcome.outcome !== 'recorded') return outcome.outcome;
            const approvals = outcome.challenge.quorum?.votes.length ?? 0;
            if (approvals < quorum) return 'counted';
            const decided = await tx.challenges.decide(A, id, 'approved', T0 + 1 + i);
            return decided ? `decided by ${userId}/${copy}` : 'lost decide';
          }),
        ),
      );
      const results = await Promise.all(attempts);
      const decides = results.filter((r) => r.startsWith('decided'));
      expect(decides).toHaveLength(1);
      expect(results.filter((r) => r === 'counted')).toHaveLength(quorum - 1);
      expect(results).not.toContain('lost decide');
      expect(results).not.toContain('not_an_approver');
      const final = await other.challenges.find(A, id);
      expect(final?.status).toBe('approved');
      const voters = final?.quorum?.votes.map((v) => v.userId) ?? [];
      expect(voters).toHaveLength(quorum);
      expect(new Set(voters).size).toBe(quorum);
      // Everyone else found it settled, or had already voted.
      expect(results.filter((r) => r === 'closed' || r === 'duplicate').length + quorum).toBe(
        approvers.length * 2,
      );
    }
  });
}

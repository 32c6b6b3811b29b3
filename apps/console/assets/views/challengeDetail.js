// One challenge (`#/challenges/<id>`): its facts, a timeline from the audit chain and the
// challenge (created, shown on device, each vote, decided or expired), the payload, the proof
// decoded and checked against the JWKS, the stamp, the webhook deliveries it caused, and Cancel
// while it is pending.

import { checkProof } from '../keyra.js';
import { decodeJws } from '../jws.js';
import { renderStamp } from '../stamp.js';
import { addCheck } from '../ui.js';
import {
  absoluteDate,
  badge,
  can,
  confirmThenAct,
  dateText,
  detailList,
  emptyState,
  errorState,
  h,
  heading,
  loadingState,
} from './common.js';

/** @param {string} title @param {...(Node | string)} children */
const section = (title, ...children) =>
  h('section', { className: 'card', 'aria-label': title }, [h('h2', {}, [title]), ...children]);

/** @param {unknown} value */
const json = (value) => h('pre', { tabIndex: 0 }, [JSON.stringify(value, null, 2)]);

/**
 * What happened, oldest first: the audit entries about the challenge (with their actors), when a
 * device first fetched it (`shownAt`), and the expiry when nothing decided it.
 * @param {import('../shell.js').ViewContext} ctx @param {Record<string, any>} challenge
 */
async function timeline(ctx, challenge) {
  const { data } = await ctx.api.get(ctx.environment, '/v1/audit', {
    subject: challenge.id,
    limit: 100,
  });
  /** @type {Array<{ at: string, what: string, who: string }>} */
  const steps = data.map((/** @type {Record<string, any>} */ entry) => ({
    at: entry.occurredAt,
    what: entry.type.replace(/^challenge\./, '').replaceAll('_', ' '),
    who: entry.data?.userId ? `${entry.actor} · ${entry.data.userId}` : entry.actor,
  }));
  if (challenge.shownAt)
    steps.push({ at: challenge.shownAt, what: 'shown on device', who: 'device' });
  if (challenge.status === 'expired' && !steps.some((step) => step.what === 'expired'))
    steps.push({ at: challenge.expiresAt, what: 'expired', who: 'system' });
  // By instant: timestamps with and without milliseconds do not sort as text.
  steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return h(
    'ol',
    { className: 'timeline', id: 'challenge-timeline' },
    steps.map((step) =>
      h('li', {}, [
        h('strong', {}, [step.what]),
        h('span', { className: 'when' }, [absoluteDate(step.at)]),
        h('div', { className: 'muted' }, [step.who]),
      ]),
    ),
  );
}

/** @param {import('../shell.js').ViewContext} ctx @param {string} proof */
async function proofPanel(ctx, proof) {
  const checks = h('ul', { className: 'checks', id: 'proof-checks' });
  const signature = await checkProof(ctx.api.publicSdk(), proof);
  addCheck(checks, signature.valid, signature.reason);
  const { header, claims } = decodeJws(proof);
  return h('div', {}, [
    checks,
    h('h3', {}, ['Header']),
    json(header),
    h('h3', {}, ['Claims']),
    json(claims),
  ]);
}

/**
 * The attempts of every endpoint for the events this challenge caused.
 * @param {import('../shell.js').ViewContext} ctx @param {string} challengeId
 */
async function deliveries(ctx, challengeId) {
  const events = (await ctx.api.get(ctx.environment, '/v1/events', { limit: 100 })).data.filter(
    (/** @type {Record<string, any>} */ event) => event.data?.challengeId === challengeId,
  );
  if (events.length === 0) return emptyState('No webhook event mentions this challenge yet.');
  const ids = new Set(events.map((/** @type {{ id: string }} */ event) => event.id));
  const endpoints = (await ctx.api.get(ctx.environment, '/v1/webhook_endpoints')).data;
  const rows = [];
  for (const endpoint of endpoints) {
    const attempts = (
      await ctx.api.get(
        ctx.environment,
        `/v1/webhook_endpoints/${encodeURIComponent(endpoint.id)}/deliveries`,
        { limit: 100 },
      )
    ).data;
    for (const attempt of attempts.filter((/** @type {any} */ a) => ids.has(a.eventId)))
      rows.push({
        endpoint,
        attempt,
        event: events.find((/** @type {any} */ e) => e.id === attempt.eventId),
      });
  }
  const list = h('ul', { id: 'challenge-deliveries' });
  for (const event of events) {
    const mine = rows.filter((row) => row.event?.id === event.id);
    list.append(
      h('li', {}, [
        h('code', {}, [event.type]),
        ` ${event.id}: `,
        mine.length === 0
          ? 'no delivery attempt (no endpoint subscribed, or not sent yet)'
          : mine
              .map(
                ({ endpoint, attempt }) =>
                  `${endpoint.url} → ${attempt.statusCode ?? attempt.error ?? 'no answer'} (attempt ${attempt.attempt}, ${attempt.latencyMs} ms)`,
              )
              .join('; '),
      ]),
    );
  }
  return list;
}

/**
 * Fills a section with `build()`'s answer, or its error: each part loads on its own.
 * @param {HTMLElement} box @param {() => Promise<Node>} build
 */
function fill(box, build) {
  box.append(loadingState());
  return build()
    .then((node) => box.querySelector('.state-loading')?.replaceWith(node))
    .catch((error) => box.querySelector('.state-loading')?.replaceWith(errorState(error)));
}

/** @param {HTMLElement} root @param {import('../shell.js').ViewContext} ctx @param {string} id */
export async function renderChallenge(root, ctx, id) {
  root.append(
    heading('Challenge'),
    h('p', {}, [h('a', { href: '#/challenges' }, ['← All challenges'])]),
  );
  /** @type {Record<string, any>} */
  let challenge;
  try {
    challenge = await ctx.api.get(ctx.environment, `/v1/challenges/${encodeURIComponent(id)}`);
  } catch (error) {
    root.append(errorState(error));
    return;
  }
  if (ctx.signal.aborted) return;
  const who = challenge.approvers
    ? `${challenge.approvers.join(', ')} (quorum ${challenge.quorum}, ${challenge.remaining} more needed)`
    : challenge.userId;
  const facts = section(
    'Summary',
    detailList([
      ['Id', h('code', {}, [challenge.id])],
      ['Status', badge(challenge.status)],
      ['Action', h('code', {}, [challenge.action])],
      [challenge.approvers ? 'Approvers' : 'User', who],
      ['Created', dateText(challenge.createdAt)],
      ['Expires', dateText(challenge.expiresAt)],
      ['Decided', dateText(challenge.decidedAt)],
      ['Method', challenge.method],
      [
        'Device or passkey',
        challenge.deviceId
          ? h('a', { href: `#/devices/${challenge.deviceId}` }, [challenge.deviceId])
          : null,
      ],
      ['Audience', challenge.audience],
      ['Digest', h('code', { className: 'break' }, [challenge.digest])],
    ]),
  );
  root.append(facts);
  if (challenge.status === 'pending' && can(ctx.session, 'developer')) {
    const errors = h('div', { 'aria-live': 'polite' });
    const cancel = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', className: 'danger', id: 'cancel-challenge' }, [
        'Cancel challenge',
      ])
    );
    confirmThenAct(
      cancel,
      errors,
      {
        title: 'Cancel this challenge?',
        message: `${challenge.action} for ${who} can no longer be approved.`,
        confirm: 'Cancel challenge',
      },
      async () => {
        await ctx.api.post(ctx.environment, `/v1/challenges/${encodeURIComponent(id)}/cancel`);
        ctx.navigate(`#/challenges/${id}`);
      },
    );
    facts.append(h('div', { className: 'actions' }, [cancel]), errors);
  }

  const steps = section('Timeline');
  const payload = section('Payload: what the human approved', json(challenge.payload));
  if (Object.keys(challenge.metadata ?? {}).length)
    payload.append(h('h3', {}, ['Metadata (not signed)']), json(challenge.metadata));
  const proof = section('Proof');
  const stamp = section('Stamp');
  const hooks = section('Webhook deliveries');
  root.append(steps, payload, proof, stamp, hooks);

  const parts = [
    fill(steps, () => timeline(ctx, challenge)),
    fill(hooks, () => deliveries(ctx, challenge.id)),
  ];
  if (challenge.proof) parts.push(fill(proof, () => proofPanel(ctx, challenge.proof)));
  else proof.append(emptyState('No proof: only an approval is signed.'));
  if (challenge.stampId) {
    const box = h('div', { className: 'stamp', id: 'challenge-stamp' });
    stamp.append(box);
    const sdk = ctx.api.publicSdk();
    parts.push(
      fill(box, async () => {
        const [found, published] = await Promise.all([
          sdk.stamps.retrieve(challenge.stampId),
          sdk.stamps.configuration().catch(() => null),
        ]);
        const panel = h('div');
        await renderStamp(panel, found, { proof: challenge.proof, keyra: sdk, published });
        return panel;
      }),
    );
  } else {
    stamp.append(
      emptyState(challenge.stampRequested ? 'Requested: issued on approval.' : 'Not requested.'),
    );
  }
  await Promise.all(parts);
}

import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createOAuthClient,
  createPolicy,
  createSecretBox,
  startBackchannelAuthentication,
  type Scope,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { CLOCK_START } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let scope: Scope;
const now = CLOCK_START;

beforeEach(async () => {
  db = await openTestStorage();
  scope = await tenantScope(db.storage, 'acme', now);
});
afterEach(async () => db.close());

it('a CIBA request (one user) that a policy refuses is access_denied naming the rule, and writes nothing', async () => {
  await createPolicy(
    scope,
    { name: 'Dual control', match: { action: 'payment.*' }, require: { quorum: 2 } },
    { storage: db.storage, now },
  );
  const issued = await createOAuthClient(
    scope,
    { name: 'Agent', deliveryMode: 'poll', notifyUrl: null },
    { store: db.storage.oauthClients, urlGuard: { check: () => Promise.resolve(null) }, now },
  );
  const error = await expectKeyraError(
    startBackchannelAuthentication(
      issued.record,
      {
        scope: 'openid',
        login_hint: 'usr_alice',
        authorization_details: JSON.stringify([
          { type: 'keyra_action', action: 'payment.approve', payload: { amount: 1 } },
        ]),
      },
      {
        storage: db.storage,
        box: createSecretBox(randomBytes(32), 'webhook-secrets'),
        intervalSeconds: 5,
        now,
      },
    ),
    'access_denied',
  );
  expect(error.message).toContain('Policy Dual control');
  expect(await db.storage.challenges.list(scope, {}, 10)).toEqual([]);
});

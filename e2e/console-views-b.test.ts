// The console views of part B (webhooks, events, voice, stamps, audit) in headless Chromium
// against a real `keyra serve --dev`: the owner signs in with the virtual authenticator, data is
// created through the API (and a real webhook receiver), every change made in the page is
// confirmed through the API, axe-core checks each view and each view is photographed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Keyra } from '@keyra/sdk';
import { concatWavs, phraseFile } from '../packages/server/test/helpers/voiceTestApp.js';
import { browserTestNeeds, consoleHarness } from './consoleHarness.js';
import { pairDevice, signedApproval } from './helpers/keyraApi.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';

const needs = browserTestNeeds('e2e/console-views-b.test.ts');

/** Polls `probe` until it answers something truthy (the webhook worker runs in the background). */
async function eventually<T>(
  probe: () => Promise<T>,
  what: string,
  ms = 15_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Skips (loudly) only off CI when Chromium is missing; with CI=true `needs.check()` fails instead.
describe.skipIf(needs.skip)('console views B in headless Chromium', () => {
  const ui = consoleHarness('console-views-b');
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    needs.check();
    receiver = await startWebhookReceiver((request) =>
      request.path === '/down' ? { status: 503, body: 'receiver is down' } : { status: 200 },
    );
    await ui.open();
  }, 60_000);

  afterAll(async () => {
    await ui.close();
    await receiver?.close();
  });

  it('webhooks: create (secret once), test event, deliveries, edit, disable, rotate, redeliver, delete', async () => {
    const { page, api } = ui;
    await ui.goto('webhooks', '#webhook-create');
    await page.fill('#wh-new-url', `${receiver.origin}/hook`);
    await page.fill('#wh-new-description', 'Orders backend');
    await page.click('#webhook-create button[type="submit"]');
    await page.waitForSelector('[data-secret]');
    const secret = await ui.browser.text('[data-secret]');
    expect(secret).toMatch(/^whsec_/);
    const listed = (await api('GET', '/v1/webhook_endpoints')).body.data;
    expect(listed).toHaveLength(1);
    const endpoint = listed[0];
    expect(endpoint).toMatchObject({
      url: `${receiver.origin}/hook`,
      description: 'Orders backend',
    });
    expect(endpoint.secret).toBeUndefined();
    await page.waitForSelector(`.list-table a[href="#/webhooks/${endpoint.id}"]`);
    await ui.checkAccessibility('webhooks list');
    await ui.shootView('webhooks');

    // Detail: the secret is never shown again; a test event reaches the receiver.
    await page.click('text=Open the endpoint');
    await page.waitForSelector('#webhook-endpoint');
    expect(await page.textContent('#webhook-endpoint')).not.toContain(secret);
    await page.click('button:has-text("Send test event")');
    await page.waitForSelector('text=/Test event evt_\\w+ queued/');
    const ping = await eventually(
      () => Promise.resolve(receiver.events('/hook').find((e) => e.type === 'ping')),
      'the ping',
    );
    await eventually(
      async () =>
        (await api('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`)).body.data.length > 0,
      'the attempt to be logged',
    );
    await page.click('#webhook-deliveries button:has-text("Refresh")');
    await page.waitForSelector(`#webhook-deliveries a[href="#/events/${ping.id}"]`);
    await page.click('#webhook-deliveries button:has-text("Show attempt 1")');
    await page.waitForSelector(`#webhook-deliveries pre:has-text("${ping.id}")`);
    const request = await ui.browser.text('#webhook-deliveries .attempt-panel');
    expect(request).toContain(`POST ${receiver.origin}/hook`);
    expect(request).toMatch(/200/);
    expect(request).toMatch(/\d+ ms/);

    // Edit, disable (confirmed in the dialog), enable.
    await page.click('summary:has-text("Edit URL")');
    await page.fill('#wh-edit-events', 'ping, challenge.approved');
    await page.fill('#wh-edit-description', 'Orders backend (edited)');
    await page.click('button:has-text("Save changes")');
    await page.waitForSelector('text=Changes saved.');
    expect((await api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body).toMatchObject({
      events: ['ping', 'challenge.approved'],
      description: 'Orders backend (edited)',
    });
    await page.click('#webhook-endpoint button:has-text("Disable")');
    await page.waitForSelector('dialog[open]');
    await ui.checkAccessibility('webhooks confirm dialog');
    await page.click('dialog[open] button:has-text("Disable")');
    await page.waitForSelector('text=Endpoint disabled.');
    expect((await api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body.enabled).toBe(false);
    await page.click('#webhook-endpoint button:has-text("Enable")');
    await page.waitForSelector('text=Endpoint enabled.');
    expect((await api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body.enabled).toBe(true);

    // Rotate: a new secret, shown once; the old one signs until the overlap ends.
    await page.click('button:has-text("Rotate secret")');
    await page.click('dialog[open] button:has-text("Rotate")');
    await page.waitForSelector('[data-secret]');
    const rotated = await ui.browser.text('[data-secret]');
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(
      (await api('GET', `/v1/webhook_endpoints/${endpoint.id}`)).body.previousSecretExpiresAt,
    ).not.toBeNull();

    // Redeliver the ping from the log: the receiver gets it again.
    const before = receiver.events('/hook').filter((e) => e.id === ping.id).length;
    await page.click('#webhook-deliveries button:has-text("Redeliver")');
    await page.waitForSelector('text=/Queued \\(1\\)/');
    await eventually(
      () =>
        Promise.resolve(receiver.events('/hook').filter((e) => e.id === ping.id).length > before),
      'the redelivery',
    );
    await ui.checkAccessibility('webhook detail');
    await ui.shootView('webhook-detail');
  }, 60_000);

  it('events: type and day filters, detail with its deliveries, redeliver to every endpoint', async () => {
    const { page, api } = ui;
    const [ping] = (await api('GET', '/v1/events?type=ping')).body.data;
    await ui.goto('events?type=ping', `.list-table a[href="#/events/${ping.id}"]`);
    expect(await page.inputValue('#filter-type')).toBe('ping');
    // A day before today has no ping.
    await page.fill('#filter-to', '2020-01-01');
    await page.click('form[role="search"] button[type="submit"]');
    await page.waitForSelector('text=No event matches these filters.');
    await page.click('form[role="search"] button:has-text("Clear")');
    await page.waitForSelector(`.list-table a[href="#/events/${ping.id}"]`);
    await ui.checkAccessibility('events list');
    await ui.shootView('events');

    await page.click(`.list-table a[href="#/events/${ping.id}"]`);
    await page.waitForSelector('#event-deliveries .list-table');
    expect(await ui.browser.text('#event-detail')).toContain('"type": "ping"');
    const endpointId = (await api('GET', '/v1/webhook_endpoints')).body.data[0].id;
    expect(await page.isVisible(`#event-deliveries a[href="#/webhooks/${endpointId}"]`)).toBe(true);
    const before = receiver.events('/hook').filter((e) => e.id === ping.id).length;
    await page.click('button:has-text("Redeliver to every endpoint")');
    await page.waitForSelector('text=/Queued 1 delivery/');
    await eventually(
      () =>
        Promise.resolve(receiver.events('/hook').filter((e) => e.id === ping.id).length > before),
      'the redelivery',
    );
    // The SDK reads the same log from the event's side, and the range filter.
    const keyra = new Keyra({ apiKey: ui.browser.key, baseUrl: ui.browser.server.url });
    const attempts = (await keyra.events.deliveries(ping.id)).data;
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.every((a) => a.endpointId === endpointId && a.eventId === ping.id)).toBe(true);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await keyra.events.list({ type: 'ping', since: future })).data).toEqual([]);
    await ui.checkAccessibility('event detail');
    await ui.shootView('event-detail');

    // Deleting the endpoint (admin, confirmed) removes it.
    await ui.goto(`webhooks/${endpointId}`, '#webhook-endpoint');
    await page.click('#webhook-endpoint button.danger:has-text("Delete")');
    await page.click('dialog[open] button:has-text("Delete")');
    await page.waitForURL(/#\/webhooks$/);
    expect((await api('GET', `/v1/webhook_endpoints/${endpointId}`)).status).toBe(404);
  }, 60_000);

  it('voice: the verify log with each gate, filters, and a wallet with its enrolment', async () => {
    const { page, api } = ui;
    // The deprecated hash flow writes verify-log rows without the speech engine.
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(
      (await api('POST', '/api/v1/enroll', { wallet: 'wallet-ada', phrase_hash: sha('open') }))
        .status,
    ).toBe(200);
    await api('POST', '/api/v1/verify', { wallet: 'wallet-ada', probe_hash: sha('open') });
    await api('POST', '/api/v1/verify', { wallet: 'wallet-ada', probe_hash: sha('wrong') });
    const logs = (await api('GET', '/api/v1/verify_logs?wallet=wallet-ada')).body.data;
    expect(logs).toHaveLength(2);
    await ui.goto('voice', `text=${logs[0].id}`);
    expect(await page.locator('.list-table tbody tr').count()).toBe(2);
    await ui.checkAccessibility('voice');
    await ui.shootView('voice');
    await ui.goto('voice?verified=false', `text=${logs[0].id}`);
    expect(await page.locator('.list-table tbody tr').count()).toBe(1);
    expect(await page.isVisible(`text=${logs[1].id}`)).toBe(false);

    await page.fill('#voice-wallet', 'wallet-ada');
    await page.click('#voice-lookup button[type="submit"]');
    await page.waitForSelector('#voice-enrolment dl');
    expect(await ui.browser.text('#voice-enrolment')).toContain('legacy_hash');
    expect(await ui.browser.text('#voice-enrolment')).not.toContain(sha('open'));
    await page.waitForSelector(`#voice-logs >> text=${logs[1].id}`);
    const keyra = new Keyra({ apiKey: ui.browser.key, baseUrl: ui.browser.server.url });
    expect(await keyra.voice.enrollment('wallet-ada')).toMatchObject({
      wallet: 'wallet-ada',
      method: 'legacy_hash',
    });
    await ui.checkAccessibility('voice wallet');
    await ui.shootView('voice-wallet');
    await ui.goto('voice/nobody', '#voice-enrolment .state-empty');
    expect(await ui.browser.text('#voice-enrolment')).toContain('Nothing is enrolled for nobody');

    // A real recording runs every gate: the row shows each measure against its threshold.
    const enrol = concatWavs([1, 2, 3, 4, 5].map((id) => phraseFile('flite_slt', id, 'wav').bytes));
    const audio = { projection_id: 'p0', params_version: 'v1' };
    const b64 = (bytes: Buffer) => bytes.toString('base64');
    const enrolled = await api('POST', '/api/v1/enroll', {
      wallet: 'wallet-bea',
      audioBase64: b64(enrol),
      ...audio,
    });
    expect(enrolled.status).toBe(200);
    const phrase = (await api('POST', '/api/v1/phrase', { wallet: 'wallet-bea' })).body;
    const verify = await api('POST', '/api/v1/verify', {
      wallet: 'wallet-bea',
      audioBase64: b64(phraseFile('flite_slt', 9, 'wav').bytes),
      ...audio,
      phrase_id: phrase.phrase_id,
    });
    expect(verify.status).toBe(200);
    const [measured] = (await api('GET', '/api/v1/verify_logs?wallet=wallet-bea')).body.data;
    const { quality, replay, speaker, phrase: heard } = measured.measures;
    await ui.goto('voice/wallet-bea', `#voice-logs >> text=${measured.id}`);
    const row = await ui.browser.text('#voice-logs tbody tr');
    expect(row).toContain(
      `${heard.matched_words} of ${heard.total_words} words / ≥ ${heard.required_words}`,
    );
    expect(row).toContain(`${speaker.score.toFixed(3)} / ≥ ${speaker.threshold.toFixed(3)}`);
    expect(row).toContain(`similarity ${replay.similarity.toFixed(3)} / < 0.80`);
    expect(row).toContain(
      `speech ${quality.speech_seconds.toFixed(2)} s / ≥ ${quality.min_speech_seconds} s`,
    );
    expect(row).toContain(`level ${quality.level_dbfs.toFixed(1)} dBFS / ≥ -45`);
  }, 60_000);

  it('stamps: approved challenges with stamps, lookup, and a checked detail', async () => {
    const { page, api } = ui;
    const device = await pairDevice(api, 'usr_stamp');
    const { challengeId, verifyBody } = await signedApproval(api, device, 'usr_stamp', {
      stamp: true,
    });
    const verified = await api('POST', `/v1/challenges/${challengeId}/verify`, verifyBody);
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const { stampId } = (await api('GET', `/v1/challenges/${challengeId}`)).body;
    expect(stampId).toMatch(/^stp_/);
    await ui.goto('stamps', `.list-table a[href="#/stamps/${stampId}"]`);
    await ui.checkAccessibility('stamps');
    await ui.shootView('stamps');
    await page.click(`.list-table a[href="#/stamps/${stampId}"]`);
    await page.waitForSelector('#stamp-detail .verdict, #stamp-detail [role="alert"]');
    expect(
      await page.isVisible('#stamp-detail .verdict'),
      await ui.browser.text('#stamp-detail'),
    ).toBe(true);
    expect(await ui.browser.text('#stamp-detail .verdict')).toBe('Every check passed.');
    expect(await page.locator('#stamp-detail .check-fail').count()).toBe(0);
    expect(await ui.browser.text('#stamp-detail')).toContain(stampId);
    await ui.checkAccessibility('stamp detail');
    await ui.shootView('stamp-detail');
    await ui.goto('stamps', '#stamp-id');
    await page.fill('#stamp-id', 'stp_doesnotexist');
    await page.click('#stamp-lookup button[type="submit"]');
    await page.waitForSelector('#stamp-detail [role="alert"]');
    expect(await ui.browser.text('#stamp-detail [role="alert"]')).toContain('stamp_not_found');
  }, 60_000);

  it('audit: entries with filters, the chain checked, a checkpoint signed, the export', async () => {
    const { page, api } = ui;
    await ui.goto('audit?type=webhook_endpoint.deleted', '.list-table tbody tr');
    expect(await page.locator('.list-table tbody tr').first().textContent()).toContain(
      'webhook_endpoint.deleted',
    );
    await ui.goto('audit', '.list-table tbody tr');
    await page.click('button:has-text("Verify the chain")');
    await page.waitForSelector('text=/every hash matches/');

    const before = (await api('GET', '/v1/audit/checkpoints')).body.data.length;
    await page.click('button:has-text("Sign a checkpoint now")');
    await page.waitForSelector('text=/Checkpoint acp_\\w+ signed/');
    expect((await api('GET', '/v1/audit/checkpoints')).body.data).toHaveLength(before + 1);

    await page.click('button:has-text("Export as NDJSON")');
    await page.waitForSelector('#audit-export-link');
    // The page's CSP keeps it from reading the blob back; the size says it is the same export.
    const exported = await fetch(`${ui.browser.server.url}/v1/audit/export`, {
      headers: { authorization: `Bearer ${ui.browser.key}` },
    });
    const bytes = Buffer.byteLength(await exported.text());
    expect(await ui.browser.text('#audit-export-link')).toContain(`(${bytes} bytes)`);
    await ui.checkAccessibility('audit');
    await ui.shootView('audit');

    // Production reads the whole chain: links and the newest checkpoint are checked too.
    await ui.switchEnvironment('production');
    await page.click('button:has-text("Sign a checkpoint now")');
    await page.waitForSelector('text=/Checkpoint acp_\\w+ signed/');
    await page.click('button:has-text("Verify the chain")');
    await page.waitForSelector('text=/^Intact: \\d+ entries/');
    expect(await ui.browser.text('#audit-chain')).toMatch(/matches the chain/);
    await ui.switchEnvironment('sandbox');
  }, 60_000);

  it('playground: a list of its steps moves to each one and ticks those that worked', async () => {
    const { page, api } = ui;
    await ui.goto('playground', '#playground-steps');
    const steps = page.locator('#playground-steps button');
    expect(await steps.count()).toBe(9);
    expect(await page.getAttribute('#playground-steps [aria-current="step"]', 'data-step')).toBe(
      'register-title',
    );
    await page.click('#playground-steps button[data-step="challenge-title"]');
    expect(await page.evaluate('document.activeElement?.id')).toBe('challenge-title');
    expect(page.url()).toMatch(/#\/playground$/);

    // Hosted by the console, the playground works on the session: no key to paste.
    expect(await page.isVisible('#api-key')).toBe(false);
    await page.fill('#user-id', 'usr_steps');
    await page.click('#register');
    await page.waitForSelector('#playground-steps button.done[data-step="register-title"]');
    expect((await api('GET', '/v1/devices?userId=usr_steps')).body.data).toHaveLength(1);
    expect(await page.getAttribute('#playground-steps [aria-current="step"]', 'data-step')).toBe(
      'challenge-title',
    );
    await ui.checkAccessibility('playground');
    await ui.shootView('playground');
  }, 60_000);

  it('policies: create, list, dry run, a new version, delete', async () => {
    const { page, api } = ui;
    await ui.goto('policies', '#policy-create');
    await page.click('#policy-create button[type="submit"]');
    await page.waitForSelector('text=/Policy pol_\\w+ created \\(version 1\\)/');
    const [policy] = (await api('GET', '/v1/policies')).body.data;
    expect(policy).toMatchObject({ name: 'Dual control on big EUR wires', version: 1 });
    await page.waitForSelector(`.list-table a[href="#/policies/${policy.id}"]`);

    await page.click('#policy-dry-run button[type="submit"]');
    await page.waitForSelector('#policy-evaluation dl');
    expect(await ui.browser.text('#policy-evaluation')).toContain('Dual control on big EUR wires');
    await page.fill('#policy-new-policy', '{ "name": "x" ');
    await page.click('#policy-create button[type="submit"]');
    await page.waitForSelector('#policy-create [role="alert"]');
    expect(await ui.browser.text('#policy-create [role="alert"]')).toContain('not valid JSON');
    await ui.checkAccessibility('policies');
    await ui.shootView('policies');

    await page.click(`.list-table a[href="#/policies/${policy.id}"]`);
    await page.waitForSelector('#policy-edit-policy');
    const edited = JSON.parse(await page.inputValue('#policy-edit-policy'));
    edited.priority = 20;
    await page.fill('#policy-edit-policy', JSON.stringify(edited));
    await page.click('#policy-detail button[type="submit"]');
    await page.waitForURL(/version=2$/);
    await page.waitForSelector('#policy-detail [aria-current="page"]');
    expect((await api('GET', `/v1/policies/${policy.id}`)).body).toMatchObject({
      version: 2,
      priority: 20,
    });
    await ui.checkAccessibility('policy detail');
    await ui.shootView('policy-detail');
    await page.click('#policy-detail button.danger');
    await page.click('dialog[open] button:has-text("Delete")');
    await page.waitForURL(/#\/policies$/);
    expect((await api('GET', '/v1/policies')).body.data).toEqual([]);
  }, 60_000);

  it('a viewer sees the same lists but no secret and none of the buttons that change things', async () => {
    const { page, api } = ui;
    const created = (
      await api('POST', '/v1/webhook_endpoints', {
        url: `${receiver.origin}/viewer`,
        events: ['*'],
      })
    ).body;
    await page.click('#sign-out');
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(await ui.invite('viewer@example.com', 'viewer'));
    await page.waitForSelector('#enrol:not([hidden])');
    await page.click('#enrol-button');
    await page.waitForSelector('#signed-in:not([hidden])');

    await ui.goto('webhooks', `.list-table a[href="#/webhooks/${created.id}"]`);
    expect(await ui.browser.text('#role')).toBe('viewer');
    expect(await page.isVisible('#webhook-create')).toBe(false);
    await ui.goto(`webhooks/${created.id}`, '#webhook-endpoint');
    const buttons = await page.$$eval('#webhook-endpoint button', (all) =>
      all.map((b) => b.textContent),
    );
    expect(buttons).toEqual([]);
    expect(await page.content()).not.toContain(created.secret);

    await ui.goto('audit', '#audit-chain');
    expect(await page.isVisible('button:has-text("Verify the chain")')).toBe(true);
    expect(await page.isVisible('button:has-text("Export as NDJSON")')).toBe(false);
    expect(await page.isVisible('button:has-text("Sign a checkpoint now")')).toBe(false);
    const [event] = (await api('GET', '/v1/events')).body.data;
    await ui.goto(`events/${event.id}`, '#event-deliveries');
    expect(await page.isVisible('button:has-text("Redeliver")')).toBe(false);
  }, 60_000);
});

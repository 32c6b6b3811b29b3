// The console's Usage view and the playground's stamps in a real headless Chromium, against a real
// `keyra serve --dev`: a passkey (DevTools virtual authenticator) approves a stamped challenge
// through the page, the stamp panel shows the stamp the API serves, and the Usage view shows the
// numbers of GET /v1/usage.
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestNeeds, consoleBrowser } from './helpers/consoleBrowser.js';
import { runKeyra } from './helpers/keyraProcess.js';

const needs = browserTestNeeds('e2e/console-usage.test.ts');

interface Counts {
  verifications: number;
  credit: number;
  overage: number;
  byMethod: { device: number; passkey: number; voice: number };
}
interface UsageReport {
  object: 'usage';
  environment: string;
  from: string;
  to: string;
  plan: string;
  credits: { granted: number; used: number; remaining: number };
  overage: number;
  totals: Counts;
  days: ({ date: string } & Counts)[];
}
interface StampBody {
  stamp_id: string;
  proof_sha256: string;
  issued_at: string;
  method: string;
  environment: string;
  eas: { attester: string | null; offchain: unknown; onchain: unknown };
}

const count = (value: number): string => new Intl.NumberFormat('en-US').format(value);
const utcDay = (offsetDays = 0): string =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(needs.skip)('console usage and stamps in headless Chromium', () => {
  const ui = consoleBrowser({ name: 'console-usage', virtualAuthenticator: true });
  const { getJson, outcome, text, shoot, shootRange } = ui;
  let page: Page;
  let stampId: string;

  beforeAll(async () => {
    needs.check();
    page = await ui.open();
  }, 60_000);

  afterAll(() => ui.close());

  it('approves a stamped challenge with a passkey and shows the stamp the API serves', async () => {
    await page.fill('#api-key', ui.key);
    await page.fill('#user-id', 'usr_stamp');
    await page.click('#setup-form button[type="submit"]');
    await page.click('#register');
    expect(await outcome('register-result', 'register-error')).toBe('ok');

    await page.fill('#action', 'transfer.approve');
    await page.fill(
      '#payload',
      '{\n  "amount": 12500,\n  "currency": "EUR",\n  "to": "ACME Corp"\n}',
    );
    await page.check('#request-stamp');
    await page.click('#create-challenge');
    expect(await outcome('challenge-result', 'challenge-error')).toBe('ok');
    const challengeId = await text('#challenge-id');
    expect(await text('#challenge-stamp')).toContain('requested');
    await shoot('playground-stamp-requested', 'section:has(#create-challenge)');
    const pending = await getJson<{ stampRequested: boolean }>(`/v1/challenges/${challengeId}`);
    expect(pending.body.stampRequested).toBe(true);

    await page.click('#approve');
    expect(await outcome('approve-result', 'approve-error')).toBe('ok');
    expect(await text('#proof-verdict')).toBe(
      `Approved. The proof and its stamp are valid for challenge ${challengeId}.`,
    );
    expect(await page.locator('#approve-result .check-fail').count()).toBe(0);

    // The page shows the stamp the server recorded for the challenge and serves publicly.
    const { body: approved } = await getJson<{ stampId: string; proof: string }>(
      `/v1/challenges/${challengeId}`,
    );
    stampId = approved.stampId;
    expect(stampId).toMatch(/^stp_/);
    const { status, body: stamp } = await getJson<StampBody>(`/v1/stamps/${stampId}`, false);
    expect(status).toBe(200);
    expect(stamp.proof_sha256).toBe(createHash('sha256').update(approved.proof).digest('hex'));
    const field = (name: string): Promise<string> => text(`#approve-stamp [data-field="${name}"]`);
    expect(await field('stamp_id')).toBe(stampId);
    expect(await page.getAttribute('#approve-stamp [data-field="stamp_id"] a', 'href')).toBe(
      `/v1/stamps/${stampId}`,
    );
    expect(await field('proof_sha256')).toBe(stamp.proof_sha256);
    expect(await field('issued_at')).toBe(stamp.issued_at);
    expect(await field('method')).toBe('passkey');
    expect(await field('environment')).toBe('sandbox');
    expect(stamp.eas.attester).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await field('attester')).toBe(stamp.eas.attester);
    expect(stamp.eas.onchain).toBeNull();
    expect(await field('onchain')).toContain('Not mirrored');
    // Signature, typ, claims = fields, proof hash, attester.
    expect(await page.locator('#approve-stamp .check-pass').count()).toBe(5);
    expect(await text('#approve-stamp')).toContain('proof_sha256 is the SHA-256 of the proof');
    // Step 2 now links the issued stamp.
    expect(await text('#challenge-stamp')).toBe(stampId);
    await shoot('playground-stamp-approved', 'section:has(#approve)');
    await shootRange('playground-stamp', '#proof-verdict', '#approve-stamp');

    // The link works without a key: it is the public lookup.
    const [popup] = await Promise.all([
      ui.context.waitForEvent('page'),
      page.click('#approve-stamp [data-field="stamp_id"] a'),
    ]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${ui.origin}/v1/stamps/${stampId}`);
    expect(JSON.parse((await popup.locator('pre').first().textContent()) ?? '')).toMatchObject({
      stamp_id: stampId,
    });
    await popup.close();
  }, 60_000);

  it('looks up a stamp by id, and shows a missing one as the API error', async () => {
    await page.fill('#stamp-lookup-id', stampId);
    await page.click('#stamp-lookup');
    expect(await outcome('stamp-lookup-result', 'stamp-lookup-error')).toBe('ok');
    expect(await text('#stamp-lookup-result [data-field="stamp_id"]')).toBe(stampId);
    // No proof on screen to hash here: signature, typ, claims and attester.
    expect(await page.locator('#stamp-lookup-result .check-pass').count()).toBe(4);
    expect(await page.locator('#stamp-lookup-result .check-fail').count()).toBe(0);

    await page.fill('#stamp-lookup-id', `stp_${'x'.repeat(24)}`);
    await page.click('#stamp-lookup');
    expect(await outcome('stamp-lookup-result', 'stamp-lookup-error')).toMatch(/^error: /);
    expect(await text('#stamp-lookup-error')).toContain('404 stamp_not_found');
  }, 30_000);

  it('shows the numbers of GET /v1/usage in the Usage view', async () => {
    await page.click('nav a[data-nav="usage"]');
    await page.waitForSelector('#usage-result:not([hidden])');
    await page.waitForSelector('#usage-load[aria-busy="true"]', { state: 'detached' });
    expect(await page.isVisible('#approve')).toBe(false);
    expect(await page.title()).toBe('Usage · KEYRA Console');

    // The page asks for this month, like the API's default.
    const from = await page.inputValue('#usage-from');
    const to = await page.inputValue('#usage-to');
    expect([from, to]).toEqual([`${utcDay().slice(0, 8)}01`, utcDay()]);
    const { body: usage } = await getJson<UsageReport>('/v1/usage');
    expect([usage.from, usage.to]).toEqual([from, to]);
    expect(usage).toMatchObject({
      plan: 'pilot',
      credits: { granted: 1000, used: 1, remaining: 999 },
      overage: 0,
      totals: { verifications: 1, byMethod: { passkey: 1 } },
    });

    expect(await text('#usage-plan')).toBe('Pilot');
    expect(await text('#usage-credits-used')).toBe(count(usage.credits.used));
    expect(await text('#usage-credits-remaining')).toBe(count(usage.credits.remaining));
    expect(await text('#usage-credits-granted')).toBe(count(usage.credits.granted));
    expect(await page.getAttribute('#usage-credits-bar', 'value')).toBe('1');
    expect(await page.getAttribute('#usage-credits-bar', 'max')).toBe('1000');
    expect(await text('#usage-overage')).toBe(count(usage.overage));
    expect(await text('#usage-total')).toBe(count(usage.totals.verifications));
    expect(await text('#usage-environment')).toBe('sandbox');
    for (const method of ['device', 'passkey', 'voice'] as const)
      expect(await text(`#usage-by-${method}`)).toBe(count(usage.totals.byMethod[method]));

    // One row per day with verifications, and the totals row.
    const cells = async (row: string): Promise<string[]> =>
      (await page.locator(`${row} > *`).allTextContents()).map((cell) => cell.trim());
    const row = (label: string, counts: Counts): string[] => [
      label,
      ...[
        counts.verifications,
        counts.credit,
        counts.overage,
        counts.byMethod.device,
        counts.byMethod.passkey,
        counts.byMethod.voice,
      ].map(count),
    ];
    const busyDays = usage.days.filter((day) => day.verifications > 0);
    expect(busyDays.map((day) => day.date)).toEqual([utcDay()]);
    expect(await page.locator('#usage-days tr').count()).toBe(1);
    expect(await cells('#usage-days tr')).toEqual(row(utcDay(), busyDays[0]!));
    expect(await cells('#usage-totals-row')).toEqual(row('Total', usage.totals));
    expect(await cells('#usage-totals-row')).toEqual(['Total', '1', '1', '0', '0', '1', '0']);
    expect(await text('#usage-hidden-days')).toBe(
      `${usage.days.length - 1} days without verifications are not listed.`,
    );

    // The chart: one bar slot per day, one filled bar.
    expect(await page.locator('#usage-chart .chart-day').count()).toBe(usage.days.length);
    expect(await page.locator('#usage-chart .bar-credit').count()).toBe(1);
    expect(await page.locator('#usage-chart .bar-overage').count()).toBe(0);
    expect(JSON.parse(await text('#usage-json'))).toEqual(usage);
    await shoot('console-usage', 'div[data-view="usage"]:has(#usage-form)', true);
    await shoot('console-usage-full');

    await page.check('#usage-show-empty');
    expect(await page.locator('#usage-days tr').count()).toBe(usage.days.length);
    await page.uncheck('#usage-show-empty');
  }, 30_000);

  it('keeps credits tenant-wide when the period has no verifications, and follows the plan', async () => {
    await page.fill('#usage-from', '2026-01-01');
    await page.fill('#usage-to', '2026-01-31');
    await page.click('#usage-load');
    await page.waitForSelector('#usage-load[aria-busy="true"]', { state: 'detached' });
    const { body: january } = await getJson<UsageReport>('/v1/usage?from=2026-01-01&to=2026-01-31');
    expect(january.totals.verifications).toBe(0);
    expect(await text('#usage-total')).toBe('0');
    expect(await text('#usage-period')).toBe('2026-01-01 → 2026-01-31');
    expect(await text('#usage-credits-remaining')).toBe('999');
    expect(await text('#usage-days')).toBe(
      'No verifications in sandbox from 2026-01-01 to 2026-01-31.',
    );
    expect(await page.locator('#usage-chart .chart-day').count()).toBe(31);

    const plan = await runKeyra(['tenants', 'plan', 'default', 'production'], { cwd: ui.dir });
    expect(plan.code, plan.stderr).toBe(0);
    await page.click('button[data-usage-range="month"]');
    await page.waitForSelector('#usage-load[aria-busy="true"]', { state: 'detached' });
    expect(await text('#usage-plan')).toBe('Production');
    expect(await text('#usage-total')).toBe('1');
  }, 30_000);

  it("shows the server's message for a bad range", async () => {
    for (const [from, to, code] of [
      ['2026-03-05', '2026-03-01', 'invalid_usage_range'],
      ['2024-01-01', '2026-01-01', 'invalid_usage_range'],
    ] as const) {
      await page.fill('#usage-from', from);
      await page.fill('#usage-to', to);
      await page.click('#usage-load');
      expect(await outcome('usage-result', 'usage-error')).toMatch(/^error: /);
      const { status, body } = await getJson<{ code: string; message: string }>(
        `/v1/usage?from=${from}&to=${to}`,
      );
      expect([status, body.code]).toEqual([400, code]);
      expect(await text('#usage-error .error-title')).toBe(`400 ${code}`);
      expect(await text('#usage-error .error-title + p')).toBe(body.message);
      expect(await page.isVisible('#usage-result')).toBe(false);
    }
    await page.fill('#usage-from', '2026-03-05');
    await page.fill('#usage-to', '2026-03-01');
    await page.click('#usage-load');
    await outcome('usage-result', 'usage-error');
    await shoot('console-usage-error', 'section:has(#usage-form)', true);
  }, 30_000);

  it('opens a view from the URL and only ever talks to its own origin', async () => {
    // A query makes it a new load even when the page already shows /console/playground#usage.
    await page.goto(`${ui.origin}/console/playground?from=link#usage`);
    await page.waitForSelector('html[data-ready="true"]');
    await page.waitForSelector('#usage-result:not([hidden])');
    expect(await page.isVisible('#approve')).toBe(false);
    expect(await page.isVisible('#user-id')).toBe(false);
    expect(await text('#usage-credits-used')).toBe('1');

    await page.goto(`${ui.origin}/console/playground`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.isVisible('#approve')).toBe(true);
    expect(await page.isVisible('#usage-form')).toBe(false);
    expect(await page.getAttribute('nav a[data-nav="playground"]', 'aria-current')).toBe('page');

    // Without a key the Usage view says what to do.
    await page.click('#forget-key');
    await page.click('nav a[data-nav="usage"]');
    expect(await outcome('usage-result', 'usage-error')).toMatch(/^error: /);
    expect(await text('#usage-error .error-title')).toBe('missing_key');

    expect(ui.requested.filter((url) => !url.startsWith(`${ui.origin}/`))).toEqual([]);
    expect(await page.evaluate<number>('window.localStorage.length')).toBe(0);
  }, 30_000);

  it('on an IP address, points to the same page on localhost (passkeys need a domain)', async () => {
    await page.goto(`${ui.origin}/console/playground#usage`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.isVisible('#ip-host-notice')).toBe(false);
    const onIp = ui.origin.replace('//localhost:', '//127.0.0.1:');
    expect(onIp).not.toBe(ui.origin);
    await page.goto(`${onIp}/console/playground#usage`);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.isVisible('#ip-host-notice')).toBe(true);
    expect(await page.getAttribute('#ip-host-link', 'href')).toBe(
      `${ui.origin}/console/playground#usage`,
    );
    await shoot('console-ip-host-notice', '#ip-host-notice', true);
  }, 30_000);
});

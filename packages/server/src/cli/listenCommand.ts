import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { generateWebhookSecret, signWebhook } from '@keyra/core';
import { AuthenticationError, type KeyraEvent } from '@keyra/sdk';
import { API_ENV_HELP, apiClient } from './apiClient.js';
import { followEvents } from '../listen/followEvents.js';
import { CliError } from './cliError.js';

interface ListenFlags {
  forwardTo: string;
  events?: string;
  secret?: string;
  interval: string;
  json?: boolean;
}

const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;
const FORWARD_TIMEOUT_MS = 10_000;

function parseForwardTo(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      `--forward-to must be a URL such as http://localhost:3000/webhooks; got ${JSON.stringify(value)}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--forward-to must be an http:// or https:// URL; got ${url.protocol}.`);
  }
  return url;
}

/** Prints one line per event, or one JSON object per line with `--json`. */
function report(flags: ListenFlags, line: Record<string, unknown>, text: string): void {
  if (flags.json) console.log(JSON.stringify(line));
  else console.log(text);
}

async function forward(
  url: URL,
  secret: string,
  event: KeyraEvent,
): Promise<{ status: number | null; error: string | null; ms: number }> {
  // The event object exactly as GET /v1/events returned it: what a real delivery's body holds.
  const body = JSON.stringify(event);
  const headers = signWebhook([secret], event.id, Math.floor(Date.now() / 1000), body);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'keyra-listen', ...headers },
      body,
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return { status: response.status, error: null, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    return { status: null, error: cause, ms: Math.round(performance.now() - started) };
  }
}

/**
 * `keyra listen --forward-to URL`: the `stripe listen` workflow. Follows the tenant's events
 * through the API (the key in KEYRA_API_KEY decides the tenant and environment) and POSTs each to
 * a local URL signed exactly as webhooks are, with a secret printed at start (or `--secret`), so
 * the receiver's real verification code runs unchanged. Reconnects after the server goes away and
 * catches up on what happened meanwhile; a failed forward is reported, not retried.
 */
export function registerListenCommand(program: Command): void {
  program
    .command('listen')
    .description(
      "Forward this tenant's events to a local URL with real webhook signatures (KEYRA_API_KEY, KEYRA_BASE_URL).",
    )
    .requiredOption(
      '--forward-to <url>',
      'where to POST each event, e.g. http://localhost:3000/webhooks',
    )
    .option('--events <types>', 'comma-separated event types to forward (default: all)')
    .option('--secret <whsec>', 'sign with this whsec_ secret instead of a new one')
    .option('--interval <ms>', 'how often to look for new events', '1000')
    .option('--json', 'print one JSON object per line')
    .addHelpText(
      'after',
      `${API_ENV_HELP}\nOnly events created after it starts are forwarded. Stop with Ctrl-C.`,
    )
    .action(async (flags: ListenFlags) => {
      const url = parseForwardTo(flags.forwardTo);
      if (flags.secret !== undefined && !WEBHOOK_SECRET.test(flags.secret)) {
        throw new CliError(
          '--secret must be a whsec_ secret (whsec_ + base64 of at least 24 bytes).',
        );
      }
      const interval = Number(flags.interval);
      if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) {
        throw new CliError('--interval must be a whole number of milliseconds from 100 to 60000.');
      }
      const types = flags.events
        ?.split(',')
        .map((type) => type.trim())
        .filter(Boolean);
      const secret = flags.secret ?? generateWebhookSecret();
      const keyra = apiClient({ maxRetries: 0 });
      const follower = followEvents({
        since: Math.floor(Date.now() / 1000),
        listPage: (cursor) => keyra.events.list({ limit: 100, ...(cursor ? { cursor } : {}) }),
      });

      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      report(
        flags,
        { ready: true, forwardTo: url.href, secret, baseUrl: keyra.baseUrl },
        `Ready! Forwarding events from ${keyra.baseUrl} to ${url.href}\nYour webhook signing secret is ${secret} (Ctrl-C to quit)`,
      );
      let down = 0;
      try {
        while (!stop.signal.aborted) {
          let events: KeyraEvent[];
          try {
            events = await follower.poll();
            if (down > 0) report(flags, { reconnected: true }, 'Reconnected to KEYRA; caught up.');
            down = 0;
          } catch (error) {
            if (error instanceof AuthenticationError) {
              throw new CliError(
                'KEYRA refused KEYRA_API_KEY (invalid_api_key): check the key and its environment.',
              );
            }
            down += 1;
            const wait = Math.min(interval * 2 ** Math.min(down, 5), 10_000);
            report(
              flags,
              { disconnected: true, error: (error as Error).message, retryInMs: wait },
              `Lost KEYRA (${(error as Error).message}); retrying in ${(wait / 1000).toFixed(1)} s`,
            );
            await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
            continue;
          }
          for (const event of events) {
            if (types && !types.includes(event.type)) continue;
            const result = await forward(url, secret, event);
            const at = new Date().toISOString().replace('T', ' ').slice(0, 19);
            report(
              flags,
              {
                eventId: event.id,
                type: event.type,
                status: result.status,
                error: result.error,
                ms: result.ms,
              },
              `${at}  --> ${event.type} [${event.id}]  <-- ${result.status === null ? `failed: ${result.error}` : `[${result.status}]`} POST ${url.href} (${result.ms} ms)`,
            );
          }
          await sleep(interval, undefined, { signal: stop.signal }).catch(() => undefined);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

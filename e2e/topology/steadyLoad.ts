import { randomUUID } from 'node:crypto';
import { approveChallenge } from '@keyra/device';
import type { PairedDevice } from '../helpers/keyraApi.js';

/** One request of the load: who answered what (status null: no answer, e.g. refused or timed out). */
export interface LoadSample {
  op: 'create' | 'get' | 'verify';
  instance: number;
  status: number | null;
  retryAfter: string | null;
  code: string | null;
  /** When the request was sent and when its answer (or the failure) came. */
  at: number;
  doneAt: number;
}

export interface SteadyLoad {
  samples: LoadSample[];
  /** Challenge ids whose verify the client saw answered 200. */
  approved: Set<string>;
  /** Stops issuing new flows and waits for those in flight to finish. */
  stop(): Promise<void>;
}

export interface SteadyLoadOptions {
  /** Base URLs; each flow starts on the next instance in turn. */
  urls: () => string[];
  key: string;
  /** One paired device per worker (a device's signature counter must advance in order). */
  devices: { userId: string; device: PairedDevice }[];
  /** Give up on one request after this long (counted as unanswered). */
  requestTimeoutMs?: number;
}

/**
 * A steady load of create → get → verify flows, one worker per device, spread over the
 * instances. Like the SDK behind a load balancer, a request that gets no answer, a 5xx, a 429 or
 * any answer with `Retry-After` is retried (with the same Idempotency-Key for creates and
 * verifies) on the next instance after a short pause; every attempt is recorded as a sample so
 * faults show up in the figures.
 */
export function startSteadyLoad(options: SteadyLoadOptions): SteadyLoad {
  const samples: LoadSample[] = [];
  const approved = new Set<string>();
  let stopped = false;
  let stoppedAt = 0;
  let turn = 0;
  const timeoutMs = options.requestTimeoutMs ?? 5000;

  async function send(
    op: LoadSample['op'],
    method: string,
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    for (;;) {
      const urls = options.urls();
      const instance = turn++ % urls.length;
      const sample: LoadSample = {
        op,
        instance,
        status: null,
        retryAfter: null,
        code: null,
        at: Date.now(),
        doneAt: 0,
      };
      samples.push(sample);
      try {
        const res = await fetch(`${urls[instance]}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${options.key}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        sample.status = res.status;
        sample.retryAfter = res.headers.get('retry-after');
        const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
        sample.code = typeof parsed.code === 'string' ? parsed.code : null;
        // The SDK's policy: retry 5xx, 429 and whatever says Retry-After (e.g. 409
        // idempotency_key_in_use while a first attempt's claim is still held).
        if (res.status < 500 && res.status !== 429 && !sample.retryAfter)
          return { status: res.status, body: parsed };
      } catch {
        // No answer: refused, reset or timed out. Retried below like a 503.
      } finally {
        sample.doneAt = Date.now();
      }
      // After stop(), a flow in flight still finishes, but does not wait forever for it.
      if (stopped && (op === 'create' || Date.now() - stoppedAt > 30_000))
        throw new Error('stopped');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function worker({ userId, device }: SteadyLoadOptions['devices'][number]): Promise<void> {
    while (!stopped) {
      let id: string;
      try {
        const created = await send(
          'create',
          'POST',
          '/v1/challenges',
          { action: 'wire.send', userId, payload: { amount: 1, nonce: randomUUID() } },
          randomUUID(),
        );
        if (created.status !== 201) continue;
        id = String(created.body.id);
      } catch {
        return;
      }
      // A flow once started is finished even after stop(): its verify must be accounted for.
      try {
        const full = await send('get', 'GET', `/v1/challenges/${id}`);
        if (full.status !== 200) continue;
        const answer = approveChallenge(device.state, {
          digestHex: String(full.body.digest),
          rpId: 'localhost',
        });
        device.state = answer.state;
        const verified = await send(
          'verify',
          'POST',
          `/v1/challenges/${id}/verify`,
          { deviceId: device.deviceId, attestation: answer.response },
          randomUUID(),
        );
        if (verified.status === 200) approved.add(id);
      } catch {
        return;
      }
    }
  }

  const running = Promise.all(options.devices.map(worker));
  return {
    samples,
    approved,
    async stop() {
      if (!stopped) stoppedAt = Date.now();
      stopped = true;
      await running;
    },
  };
}

/** The figures of one window of samples. */
export interface LoadFigures {
  requests: number;
  answered: number;
  unanswered: number;
  ok: number;
  /** 503 with Retry-After: acceptable while a dependency is down. */
  unavailable503: number;
  /** Any other 5xx, or a 503 without Retry-After: must be 0. */
  bad5xx: number;
  other4xx: Record<string, number>;
  /** The slowest answered request (a request hanging on a lost database shows here). */
  maxLatencyMs: number;
}

export function figuresOf(samples: LoadSample[]): LoadFigures {
  const figures: LoadFigures = {
    requests: samples.length,
    answered: 0,
    unanswered: 0,
    ok: 0,
    unavailable503: 0,
    bad5xx: 0,
    other4xx: {},
    maxLatencyMs: 0,
  };
  for (const sample of samples) {
    if (sample.status === null) {
      figures.unanswered++;
      continue;
    }
    figures.answered++;
    figures.maxLatencyMs = Math.max(figures.maxLatencyMs, sample.doneAt - sample.at);
    if (sample.status < 400) figures.ok++;
    else if (sample.status === 503 && sample.retryAfter) figures.unavailable503++;
    else if (sample.status >= 500) figures.bad5xx++;
    else {
      const label = `${sample.status} ${sample.code ?? ''}`.trim();
      figures.other4xx[label] = (figures.other4xx[label] ?? 0) + 1;
    }
  }
  return figures;
}

/** Ms from `since` to the first successful create answered after it (null: none yet). */
export function recoveryMs(samples: LoadSample[], since: number, instance?: number): number | null {
  const first = samples.find(
    (sample) =>
      sample.op === 'create' &&
      sample.status === 201 &&
      sample.doneAt >= since &&
      (instance === undefined || sample.instance === instance),
  );
  return first ? first.doneAt - since : null;
}

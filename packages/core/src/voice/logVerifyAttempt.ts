import type { EpochMs, Scope } from '../domain.js';
import { isKeyraError } from '../errors.js';
import { randomBase62, systemRandom, type RandomBytes } from '../ids.js';
import type { VerifyLogRecord, VoiceStore } from './voiceRecords.js';

/** What the verify log of one attempt needs besides the attempt itself. */
export interface VerifyLogDeps {
  storage: { voice: Pick<VoiceStore, 'insertVerifyLog'> };
  now: EpochMs;
  /** Milliseconds since the request arrived: the log's and the answer's latency. */
  elapsedMs: () => number;
  /** Told when the log row could not be written; the verification's outcome stands regardless. */
  onLogError?: (error: unknown) => void;
  random?: RandomBytes;
}

/** Adds the verify-log id and the latency to a verification's outcome. */
export type Logged<T> = T & { id: string; latencyMs: number };

/**
 * Runs one verification attempt and writes its `GET /api/v1/verify_logs` row whatever happens:
 * the outcome, or the status and code of the error (rethrown). `attempt` fills in the gate fields
 * of `log` as it learns them, so a failure after the gates still logs them.
 */
export async function logVerifyAttempt<T extends { verified: boolean }>(
  scope: Scope,
  subject: Pick<VerifyLogRecord, 'wallet' | 'phraseId' | 'method'>,
  deps: VerifyLogDeps,
  attempt: (log: VerifyLogRecord) => Promise<T>,
): Promise<Logged<T>> {
  const log: VerifyLogRecord = {
    id: `vl_${randomBase62(24, deps.random ?? systemRandom)}`,
    tenantId: scope.tenantId,
    environment: scope.environment,
    ...subject,
    verified: false,
    status: 200,
    errorCode: null,
    phrasePassed: null,
    speakerPassed: null,
    speakerScore: null,
    speakerThreshold: null,
    replayPassed: null,
    qualityPassed: null,
    speechSec: null,
    audioSec: null,
    gateMeasures: null,
    latencyMs: 0,
    createdAt: deps.now,
  };
  const write = async (): Promise<void> => {
    log.latencyMs = deps.elapsedMs();
    try {
      await deps.storage.voice.insertVerifyLog(log);
    } catch (error) {
      deps.onLogError?.(error);
    }
  };
  let outcome: T;
  try {
    outcome = await attempt(log);
  } catch (error) {
    log.status = isKeyraError(error) ? error.status : 500;
    log.errorCode = isKeyraError(error) ? error.code : 'internal_error';
    await write();
    throw error;
  }
  log.verified = outcome.verified;
  await write();
  return { ...outcome, id: log.id, latencyMs: log.latencyMs };
}

import {
  decodeTemplate,
  encodeTemplate,
  type VerifyLogMeasures,
  type VerifyLogRecord,
  type VoiceFingerprintRecord,
  type VoicePhraseRecord,
  type VoiceStore,
} from '@keyra/core';
import type { Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import type { Database } from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';
import type { VerifyLogsTable, VoiceFingerprintsTable, VoicePhrasesTable } from './voiceTables.js';
import { newestFirst } from '../newestFirst.js';

function phraseFromRow(row: VoicePhrasesTable): VoicePhraseRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    wallet: row.wallet,
    prompt: row.prompt,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    attempts: row.attempts,
  };
}

function encodeFingerprint(print: Uint16Array): string {
  const bytes = Buffer.alloc(print.length * 2);
  for (let i = 0; i < print.length; i++) bytes.writeUInt16LE(print[i]!, i * 2);
  return bytes.toString('base64');
}

function decodeFingerprint(text: string): Uint16Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Uint16Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt16LE(i * 2);
  return out;
}

function fingerprintFromRow(row: VoiceFingerprintsTable): VoiceFingerprintRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    wallet: row.wallet,
    source: row.source,
    phraseId: row.phrase_id,
    bytesSha256: row.bytes_sha256,
    fingerprint: decodeFingerprint(row.fingerprint),
    createdAt: row.created_at,
  };
}

const flag = (value: boolean | null): number | null => (value === null ? null : value ? 1 : 0);
const unflag = (value: number | null): boolean | null => (value === null ? null : value !== 0);

function logToRow(log: VerifyLogRecord): VerifyLogsTable {
  return {
    id: log.id,
    ...scopeColumns(log),
    wallet: log.wallet,
    phrase_id: log.phraseId,
    method: log.method,
    verified: log.verified ? 1 : 0,
    status: log.status,
    error_code: log.errorCode,
    phrase_passed: flag(log.phrasePassed),
    speaker_passed: flag(log.speakerPassed),
    speaker_score: log.speakerScore,
    speaker_threshold: log.speakerThreshold,
    replay_passed: flag(log.replayPassed),
    quality_passed: flag(log.qualityPassed),
    speech_sec: log.speechSec,
    audio_sec: log.audioSec,
    gate_measures: log.gateMeasures === null ? null : JSON.stringify(log.gateMeasures),
    latency_ms: Math.round(log.latencyMs),
    created_at: log.createdAt,
  };
}

function logFromRow(row: VerifyLogsTable): VerifyLogRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    wallet: row.wallet,
    phraseId: row.phrase_id,
    method: row.method,
    verified: row.verified !== 0,
    status: row.status,
    errorCode: row.error_code,
    phrasePassed: unflag(row.phrase_passed),
    speakerPassed: unflag(row.speaker_passed),
    speakerScore: row.speaker_score,
    speakerThreshold: row.speaker_threshold,
    replayPassed: unflag(row.replay_passed),
    qualityPassed: unflag(row.quality_passed),
    speechSec: row.speech_sec,
    audioSec: row.audio_sec,
    gateMeasures:
      row.gate_measures === null ? null : (JSON.parse(row.gate_measures) as VerifyLogMeasures),
    latencyMs: row.latency_ms,
    createdAt: row.created_at,
  };
}

/** The voice API's storage (migration 0003_voice) on either dialect. */
export function createVoiceStore(db: Kysely<Database>): VoiceStore {
  return {
    async insertPhrase(phrase) {
      await db
        .insertInto('voice_phrases')
        .values({
          id: phrase.id,
          ...scopeColumns(phrase),
          wallet: phrase.wallet,
          prompt: phrase.prompt,
          created_at: phrase.createdAt,
          expires_at: phrase.expiresAt,
          used_at: phrase.usedAt,
          attempts: phrase.attempts,
        })
        .execute();
    },

    async recentPrompts(scope, wallet, since) {
      const rows = await db
        .selectFrom('voice_phrases')
        .select('prompt')
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .where('created_at', '>=', since)
        .execute();
      return rows.map((row) => row.prompt);
    },

    async beginAttempt(scope, id, wallet, now, maxAttempts) {
      const row = await db
        .updateTable('voice_phrases')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst();
      if (row) return phraseFromRow(row);
      const current = await db
        .selectFrom('voice_phrases')
        .selectAll()
        .where('id', '=', id)
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .executeTakeFirst();
      if (!current) return 'missing';
      if (current.used_at !== null) return 'used';
      if (current.expires_at <= now) return 'expired';
      return 'exhausted';
    },

    async consumePhrase(scope, id, now) {
      // The one conditional write: of any number of racing verifications, one matches.
      const row = await db
        .updateTable('voice_phrases')
        .set({ used_at: now })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    async upsertTemplate(template) {
      return inTransaction(db, async (trx) => {
        const existing = await trx
          .selectFrom('voice_templates')
          .select('created_at')
          .where(inScope(template))
          .where('wallet', '=', template.wallet)
          .executeTakeFirst();
        const values = {
          projection_id: template.projectionId,
          params_version: template.paramsVersion,
          model_version: template.modelVersion,
          template: encodeTemplate(template.template),
          cohort_mean: template.cohortMean,
          cohort_sd: template.cohortSd,
          updated_at: template.updatedAt,
        };
        await trx
          .insertInto('voice_templates')
          .values({
            ...scopeColumns(template),
            wallet: template.wallet,
            created_at: template.createdAt,
            ...values,
          })
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'environment', 'wallet']).doUpdateSet(values),
          )
          .execute();
        return existing !== undefined;
      });
    },

    async findTemplate(scope, wallet) {
      const row = await db
        .selectFrom('voice_templates')
        .selectAll()
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .executeTakeFirst();
      if (!row) return null;
      return {
        tenantId: row.tenant_id,
        environment: row.environment,
        wallet: row.wallet,
        projectionId: row.projection_id,
        paramsVersion: row.params_version,
        modelVersion: row.model_version,
        template: decodeTemplate(row.template),
        cohortMean: row.cohort_mean,
        cohortSd: row.cohort_sd,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    },

    async upsertLegacyHash(record) {
      return inTransaction(db, async (trx) => {
        const existing = await trx
          .selectFrom('voice_legacy_hashes')
          .select('created_at')
          .where(inScope(record))
          .where('wallet', '=', record.wallet)
          .executeTakeFirst();
        await trx
          .insertInto('voice_legacy_hashes')
          .values({
            ...scopeColumns(record),
            wallet: record.wallet,
            keyed_hash: record.keyedHash,
            created_at: record.createdAt,
            updated_at: record.updatedAt,
          })
          .onConflict((oc) =>
            oc
              .columns(['tenant_id', 'environment', 'wallet'])
              .doUpdateSet({ keyed_hash: record.keyedHash, updated_at: record.updatedAt }),
          )
          .execute();
        return existing !== undefined;
      });
    },

    async findLegacyHash(scope, wallet) {
      const row = await db
        .selectFrom('voice_legacy_hashes')
        .selectAll()
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .executeTakeFirst();
      return row
        ? {
            tenantId: row.tenant_id,
            environment: row.environment,
            wallet: row.wallet,
            keyedHash: row.keyed_hash,
            createdAt: row.created_at,
            updatedAt: row.updated_at,
          }
        : null;
    },

    async insertFingerprint(record) {
      await db
        .insertInto('voice_fingerprints')
        .values({
          id: record.id,
          ...scopeColumns(record),
          wallet: record.wallet,
          source: record.source,
          phrase_id: record.phraseId,
          bytes_sha256: record.bytesSha256,
          fingerprint: encodeFingerprint(record.fingerprint),
          created_at: record.createdAt,
        })
        .execute();
    },

    async recentFingerprints(scope, wallet, limit) {
      const rows = await db
        .selectFrom('voice_fingerprints')
        .selectAll()
        .where(inScope(scope))
        .where('wallet', '=', wallet)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.trunc(limit)))
        .execute();
      return rows.map(fingerprintFromRow);
    },

    async insertVerifyLog(record) {
      await db.insertInto('verify_logs').values(logToRow(record)).execute();
    },

    async listVerifyLogs(scope, filter, limit, after) {
      let query = db.selectFrom('verify_logs').selectAll().where(inScope(scope));
      if (filter.wallet !== undefined) query = query.where('wallet', '=', filter.wallet);
      if (filter.verified !== undefined)
        query = query.where('verified', '=', filter.verified ? 1 : 0);
      if (filter.method !== undefined) query = query.where('method', '=', filter.method);
      if (filter.createdFrom !== undefined)
        query = query.where('created_at', '>=', filter.createdFrom);
      if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
      const rows = await newestFirst(query, limit, after).execute();
      return rows.map(logFromRow);
    },
  };
}

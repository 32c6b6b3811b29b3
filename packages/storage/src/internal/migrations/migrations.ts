import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001_initial.js';
import { humanApproval } from './0002_human_approval.js';
import { voice } from './0003_voice.js';
import { webhooks } from './0004_webhooks.js';
import { stampsUsage } from './0005_stamps_usage.js';
import { proofBinding } from './0006_proof_binding.js';
import { challengeCancel } from './0007_challenge_cancel.js';
import { ciba } from './0008_ciba.js';
import { audit } from './0009_audit.js';
import { quorumPolicies } from './0010_quorum_policies.js';
import { consoleMigration } from './0011_console.js';
import { policies } from './0012_policies.js';
import { consoleViewsA } from './0013_console_a.js';
import { consoleB } from './0014_console_b.js';
import { consoleC } from './0015_console_c.js';
import { auditPrevHash } from './0016_audit_prev_hash.js';
import { pendingSeals } from './0017_pending_seals.js';

/**
 * Every schema version, in order. Names sort lexically (Kysely applies them in that order), so
 * keep the numeric prefix. To change the schema, add a file `000N_what.ts` and list it here;
 * never edit a migration that has shipped.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_human_approval': humanApproval,
  '0003_voice': voice,
  '0004_webhooks': webhooks,
  '0005_stamps_usage': stampsUsage,
  '0006_proof_binding': proofBinding,
  '0007_challenge_cancel': challengeCancel,
  '0008_ciba': ciba,
  '0009_audit': audit,
  '0010_quorum_policies': quorumPolicies,
  '0011_console': consoleMigration,
  '0012_policies': policies,
  '0013_console_a': consoleViewsA,
  '0014_console_b': consoleB,
  '0015_console_c': consoleC,
  '0016_audit_prev_hash': auditPrevHash,
  '0017_pending_seals': pendingSeals,
};

/** Migrations compiled into the package, so the built `dist` needs no migrations folder at runtime. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};

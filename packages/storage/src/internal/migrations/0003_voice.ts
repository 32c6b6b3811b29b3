import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The Keywave voice API: one-time phrases, projected templates, legacy hashes, replay
 * fingerprints and verify logs. No column holds audio or a transcript.
 */
export const voice: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const environmentCheck = sql`environment in ('sandbox', 'production')`;

    await db.schema
      .createTable('voice_phrases')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('wallet', 'text', (col) => col.notNull())
      .addColumn('prompt', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
      .addCheckConstraint('voice_phrases_environment_check', environmentCheck)
      .execute();
    // Serves recentPrompts (no prompt twice a day per wallet).
    await db.schema
      .createIndex('voice_phrases_wallet_created_idx')
      .on('voice_phrases')
      .columns(['tenant_id', 'environment', 'wallet', 'created_at'])
      .execute();

    await db.schema
      .createTable('voice_templates')
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('wallet', 'text', (col) => col.notNull())
      .addColumn('projection_id', 'text', (col) => col.notNull())
      .addColumn('params_version', 'text', (col) => col.notNull())
      .addColumn('model_version', 'text', (col) => col.notNull())
      // Base64 of the projected float32 vector.
      .addColumn('template', 'text', (col) => col.notNull())
      .addColumn('cohort_mean', 'double precision', (col) => col.notNull())
      .addColumn('cohort_sd', 'double precision', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('voice_templates_pkey', ['tenant_id', 'environment', 'wallet'])
      .addCheckConstraint('voice_templates_environment_check', environmentCheck)
      .execute();

    await db.schema
      .createTable('voice_legacy_hashes')
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('wallet', 'text', (col) => col.notNull())
      .addColumn('keyed_hash', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('voice_legacy_hashes_pkey', ['tenant_id', 'environment', 'wallet'])
      .addCheckConstraint('voice_legacy_hashes_environment_check', environmentCheck)
      .execute();

    await db.schema
      .createTable('voice_fingerprints')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('wallet', 'text', (col) => col.notNull())
      .addColumn('source', 'text', (col) => col.notNull())
      .addColumn('phrase_id', 'text')
      .addColumn('bytes_sha256', 'text', (col) => col.notNull())
      // Base64 of the 16-bit sub-fingerprints.
      .addColumn('fingerprint', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addCheckConstraint('voice_fingerprints_environment_check', environmentCheck)
      .addCheckConstraint('voice_fingerprints_source_check', sql`source in ('enroll', 'verify')`)
      .execute();
    await db.schema
      .createIndex('voice_fingerprints_wallet_created_idx')
      .on('voice_fingerprints')
      .columns(['tenant_id', 'environment', 'wallet', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('verify_logs')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('wallet', 'text', (col) => col.notNull())
      .addColumn('phrase_id', 'text')
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('verified', 'integer', (col) => col.notNull())
      .addColumn('status', 'integer', (col) => col.notNull())
      .addColumn('error_code', 'text')
      .addColumn('phrase_passed', 'integer')
      .addColumn('speaker_passed', 'integer')
      .addColumn('speaker_score', 'double precision')
      .addColumn('speaker_threshold', 'double precision')
      .addColumn('replay_passed', 'integer')
      .addColumn('quality_passed', 'integer')
      .addColumn('speech_sec', 'double precision')
      .addColumn('audio_sec', 'double precision')
      .addColumn('latency_ms', 'integer', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addCheckConstraint('verify_logs_environment_check', environmentCheck)
      .addCheckConstraint('verify_logs_method_check', sql`method in ('voice', 'legacy_hash')`)
      .execute();
    await db.schema
      .createIndex('verify_logs_scope_created_idx')
      .on('verify_logs')
      .columns(['tenant_id', 'environment', 'created_at desc', 'id desc'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('verify_logs').execute();
    await db.schema.dropTable('voice_fingerprints').execute();
    await db.schema.dropTable('voice_legacy_hashes').execute();
    await db.schema.dropTable('voice_templates').execute();
    await db.schema.dropTable('voice_phrases').execute();
  },
};

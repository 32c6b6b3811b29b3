import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Quorum challenges: a challenge may name several approvers and how many must approve (`quorum`,
 * null for a one-approver challenge, whose `user_id` stays as it was; a quorum challenge stores
 * `''` there, which no user id can be). Each approver has one row in `challenge_approvers`, which
 * their vote fills in once (`decision` null until then). `vote_count` is the counter every vote
 * bumps with a conditional write first, so on PostgreSQL votes on one challenge queue on its row
 * and are counted one at a time. Only added columns and a new table: no rebuild.
 */
export const quorumPolicies: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').addColumn('quorum', 'integer').execute();
    await db.schema.alterTable('challenges').addColumn('reject_on', 'text').execute();
    await db.schema
      .alterTable('challenges')
      .addColumn('vote_count', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('challenge_approvers')
      .addColumn('challenge_id', 'text', (col) => col.notNull().references('challenges.id'))
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('position', 'integer', (col) => col.notNull())
      .addColumn('decision', 'text')
      .addColumn('device_id', 'text')
      .addColumn('method', 'text')
      .addColumn('decided_at', 'bigint')
      .addPrimaryKeyConstraint('challenge_approvers_pkey', ['challenge_id', 'user_id'])
      .addCheckConstraint(
        'challenge_approvers_decision_check',
        sql`decision is null or decision in ('approved', 'rejected')`,
      )
      .execute();
    // A device lists what its user still has to answer.
    await db.schema
      .createIndex('challenge_approvers_user_idx')
      .on('challenge_approvers')
      .columns(['tenant_id', 'environment', 'user_id', 'decision'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    // Quorum challenges cannot be expressed without their approvers: they go with them.
    await db.schema.dropTable('challenge_approvers').execute();
    await sql`delete from challenges where quorum is not null`.execute(db);
    await db.schema.alterTable('challenges').dropColumn('vote_count').execute();
    await db.schema.alterTable('challenges').dropColumn('reject_on').execute();
    await db.schema.alterTable('challenges').dropColumn('quorum').execute();
  },
};

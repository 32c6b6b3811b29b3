export { openStorage, type OpenStorageOptions, type DatabaseStorage } from './openStorage.js';
export type { PoolStats } from './internal/connectDatabase.js';
export { migrateToLatest } from './migrateToLatest.js';
export { getMigrationStatus } from './getMigrationStatus.js';
export type { MigrationResult, MigrationStatus } from './internal/runMigrations.js';
export { isStalePreparedStatement } from './internal/namedStatements.js';

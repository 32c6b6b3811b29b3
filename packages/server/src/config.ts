import path from 'node:path';

/** Everything the server reads from flags and the environment, validated once at boot. */
export interface ServerConfig {
  host: string;
  port: number;
  /** `sqlite:PATH` or `postgres://…`. */
  databaseUrl: string;
  /** Shared rate-limit store for several instances; null keeps counters in process. */
  redisUrl: string | null;
  /** Allows `http://` and loopback URLs for audio and webhooks, localhost WebAuthn origins. Never on by default. */
  dev: boolean;
  /** Where the SQLite file, the sandbox key file and generated keys live. */
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** JSON lines (for log shippers), or one readable line each (for a terminal). */
  logFormat: 'json' | 'pretty';
  /** Trust `X-Forwarded-For` from a proxy in front (per-IP limits then use the client address). */
  trustProxy: boolean;
  bodyLimitBytes: number;
  rateLimit: {
    windowMs: number;
    perKey: number;
    perIp: number;
  };
  /** How long a rotated key keeps working. */
  keyRotationGraceMs: number;
  /** How long an instance trusts a looked-up API key: the bound on a revocation reaching it. */
  apiKeyCacheMs: number;
  /** PostgreSQL: named prepared statements for repeated queries (off behind PgBouncer < 1.21). */
  databasePreparedStatements: boolean;
  /** PostgreSQL: the most connections the API's pool opens (KEYRA_DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  idempotencyRetentionMs: number;
  expirySweepIntervalMs: number;
  /** How often each tenant's audit chain head is signed (if it moved); 0 = only on demand. */
  auditCheckpointIntervalMs: number;
  /** WebAuthn relying party for passkeys and KEYRA ONE pairing. */
  relyingParty: {
    id: string;
    name: string;
    /** Web origins allowed for passkeys. In `--dev`, any http://localhost:PORT is accepted too. */
    origins: string[];
  };
  /** PEM files of KEYRA ONE roots trusted in production (and sandbox). */
  trustedRootFiles: string[];
  /** The `iss` of proofs: this server's public URL. */
  publicUrl: string;
  /** How long a proof is valid after the approval (its `exp` minus its `iat`). */
  proofTtlSeconds: number;
  webhooks: {
    /** How long a rotated endpoint secret keeps signing beside the new one. */
    rotationOverlapMs: number;
    /** An endpoint failing without a success for this long is disabled. */
    disableAfterMs: number;
    /** Deliveries in flight at once per process. */
    concurrency: number;
  };
  /** The OpenID CIBA front door (docs/ciba.md). */
  ciba: {
    /** `KEYRA_ISSUER`: the OpenID `issuer` and the `iss` of ID tokens; null = `publicUrl`. */
    issuer: string | null;
    /** `KEYRA_CIBA_INTERVAL_SECONDS`: the poll `interval` answered by bc-authorize. */
    intervalSeconds: number;
  };
  /** Speaker back end of the voice routes (docs/voice-model.md). */
  voice: VoiceBackendConfig;
  /** Stamps' Ethereum Attestation Service settings (docs/stamps.md). */
  eas: EasConfig;
}

/** Ethereum Attestation Service: the off-chain attestation domain and the optional chain. */
export interface EasConfig {
  /** `KEYRA_EAS_ATTESTER_KEY`: signs off-chain attestations; null = generated once, sealed in the database. */
  attesterKey: string | null;
  /** The EIP-712 domain of off-chain attestations (`KEYRA_EAS_CHAIN_ID`, `_CONTRACT`, `_VERSION`). */
  chainId: number;
  contract: string;
  version: string;
  /** `KEYRA_EAS_SCHEMA_UID`: null = the UID of the stamp schema with no resolver (docs/stamps.md). */
  schemaUid: string | null;
  /** On-chain mirroring, when `KEYRA_EAS_RPC_URL` is set. */
  chain: {
    rpcUrl: string;
    /** `KEYRA_EAS_SIGNER_KEY`: pays for and sends the attestation transactions. */
    signerKey: string;
    /** `KEYRA_EAS_MIRROR_SANDBOX`: mirror sandbox stamps too (for testnets); production only by default. */
    mirrorSandbox: boolean;
  } | null;
}

/** Ethereum mainnet's EAS contract (version 0.26): the default off-chain domain. */
export const MAINNET_EAS = {
  chainId: 1,
  contract: '0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587',
  version: '0.26',
} as const;

const EAS_DOCS = 'See docs/stamps.md, "Configuration".';

function easConfig(env: NodeJS.ProcessEnv): EasConfig {
  const privateKey = (name: string): string | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) {
      throw new ConfigError(
        `${name} must be a 32-byte secp256k1 private key in hex (64 hex digits, 0x optional). ${EAS_DOCS}`,
      );
    }
    return raw.startsWith('0x') ? raw : `0x${raw}`;
  };
  const rpcUrl = env.KEYRA_EAS_RPC_URL?.trim() || null;
  if (rpcUrl) {
    const missing = [
      'KEYRA_EAS_CHAIN_ID',
      'KEYRA_EAS_CONTRACT',
      'KEYRA_EAS_VERSION',
      'KEYRA_EAS_SCHEMA_UID',
      'KEYRA_EAS_SIGNER_KEY',
    ].filter((name) => !env[name]?.trim());
    if (missing.length > 0) {
      throw new ConfigError(
        `KEYRA_EAS_RPC_URL turns on on-chain mirroring, which also needs ${missing.join(', ')}. ${EAS_DOCS}`,
      );
    }
    let url: URL;
    try {
      url = new URL(rpcUrl);
    } catch {
      throw new ConfigError(
        `KEYRA_EAS_RPC_URL must be an http(s) URL; got ${JSON.stringify(redactUrl(rpcUrl))}.`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(
        `KEYRA_EAS_RPC_URL must be an http(s) URL; got ${JSON.stringify(redactUrl(rpcUrl))}.`,
      );
    }
  }
  const contract = env.KEYRA_EAS_CONTRACT?.trim() || MAINNET_EAS.contract;
  if (!/^0x[0-9a-fA-F]{40}$/.test(contract)) {
    throw new ConfigError(
      `KEYRA_EAS_CONTRACT must be a contract address (0x and 40 hex digits); got ${JSON.stringify(contract.slice(0, 80))}.`,
    );
  }
  const schemaUid = env.KEYRA_EAS_SCHEMA_UID?.trim() || null;
  if (schemaUid !== null && !/^0x[0-9a-fA-F]{64}$/.test(schemaUid)) {
    throw new ConfigError(
      `KEYRA_EAS_SCHEMA_UID must be a schema UID (0x and 64 hex digits, printed by \`keyra eas register-schema\`); got ${JSON.stringify(schemaUid.slice(0, 80))}.`,
    );
  }
  const version = env.KEYRA_EAS_VERSION?.trim() || MAINNET_EAS.version;
  if (!/^[0-9A-Za-z.+-]{1,32}$/.test(version)) {
    throw new ConfigError(
      `KEYRA_EAS_VERSION must be the EAS contract's version() string, e.g. 1.4.0; got ${JSON.stringify(version.slice(0, 40))}.`,
    );
  }
  return {
    attesterKey: privateKey('KEYRA_EAS_ATTESTER_KEY'),
    chainId: integer(
      'KEYRA_EAS_CHAIN_ID',
      env.KEYRA_EAS_CHAIN_ID,
      MAINNET_EAS.chainId,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    contract,
    version,
    schemaUid,
    chain: rpcUrl
      ? {
          rpcUrl,
          signerKey: privateKey('KEYRA_EAS_SIGNER_KEY')!,
          mirrorSandbox: boolean('KEYRA_EAS_MIRROR_SANDBOX', env.KEYRA_EAS_MIRROR_SANDBOX, false),
        }
      : null,
  };
}

/** The OpenID `issuer` (and ID-token `iss`): `KEYRA_ISSUER`, or this server's public URL. */
export function cibaIssuer(config: Pick<ServerConfig, 'ciba' | 'publicUrl'>): string {
  return config.ciba.issuer ?? config.publicUrl;
}

/** `KEYRA_ISSUER`: an absolute URL without query, fragment or credentials; https unless `--dev`. */
function issuerUrl(raw: string | undefined, dev: boolean): string | null {
  const value = raw?.trim();
  if (!value) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (
    !url ||
    !['https:', 'http:'].includes(url.protocol) ||
    (url.protocol === 'http:' && !dev) ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== '' ||
    value.includes('?') ||
    value.includes('#')
  ) {
    throw new ConfigError(
      `KEYRA_ISSUER must be an https URL with no query, fragment or credentials (http only with --dev), e.g. https://keyra.example.com; got ${JSON.stringify(value.slice(0, 200))}. See docs/ciba.md.`,
    );
  }
  return value;
}

/** `KEYRA_VOICE_BACKEND`: the bundled classical model, or a downloaded WeSpeaker ONNX model. */
export type VoiceBackendConfig =
  | { backend: 'classical' }
  | {
      backend: 'neural';
      /** `KEYRA_NEURAL_MODEL_PATH` (absolute). */
      modelPath: string;
      /** `KEYRA_NEURAL_MODEL_SHA256` (64 lowercase hex digits). */
      modelSha256: string;
      /** `KEYRA_NEURAL_SPEAKER_THRESHOLD`: cosine threshold the operator measured. */
      speakerThreshold: number;
    };

/** Raw options as they come from the command line (all strings or booleans, all optional). */
export interface ConfigInput {
  host?: string | undefined;
  port?: string | number | undefined;
  database?: string | undefined;
  redis?: string | undefined;
  dev?: boolean | undefined;
  dataDir?: string | undefined;
  logFormat?: string | undefined;
}

/** A configuration mistake: reported at boot with the variable or flag to fix, then the process exits. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(
  name: string,
  raw: string | number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be an integer between ${min} and ${max}; got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

function boolean(name: string, raw: string | boolean | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false; got ${JSON.stringify(raw)}.`);
}

/** Checks a database URL's form; the SQLite path is resolved against `cwd`. */
export function normalizeDatabaseUrl(raw: string, cwd: string): string {
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length);
    if (file === '')
      throw new ConfigError('--database sqlite: needs a file path, e.g. sqlite:.keyra/keyra.db');
    return file === ':memory:' ? raw : `sqlite:${path.resolve(cwd, file)}`;
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`--database is not a valid PostgreSQL URL: ${redactUrl(raw)}`);
    }
    return raw;
  }
  throw new ConfigError(
    `--database must be sqlite:PATH or postgres://USER@HOST:PORT/DB; got ${JSON.stringify(redactUrl(raw))}.`,
  );
}

/** Hides a password in a connection URL before it is printed or logged (`redis://:PASSWORD@…`, no user, too). */
export function redactUrl(raw: string): string {
  return raw.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

const NEURAL_DOCS = 'See docs/voice-model.md, "Neural back end (optional)".';

function voiceBackend(env: NodeJS.ProcessEnv, cwd: string): VoiceBackendConfig {
  const backend = env.KEYRA_VOICE_BACKEND?.trim() || 'classical';
  if (backend === 'classical') return { backend };
  if (backend !== 'neural') {
    throw new ConfigError(
      `KEYRA_VOICE_BACKEND must be classical or neural; got ${JSON.stringify(backend)}. ${NEURAL_DOCS}`,
    );
  }
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value)
      throw new ConfigError(`${name} is required with KEYRA_VOICE_BACKEND=neural. ${NEURAL_DOCS}`);
    return value;
  };
  const modelPath = path.resolve(cwd, required('KEYRA_NEURAL_MODEL_PATH'));
  const modelSha256 = required('KEYRA_NEURAL_MODEL_SHA256').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(modelSha256)) {
    throw new ConfigError(
      `KEYRA_NEURAL_MODEL_SHA256 must be the model file's SHA-256 (64 hex digits, from sha256sum); got ${JSON.stringify(modelSha256.slice(0, 80))}. ${NEURAL_DOCS}`,
    );
  }
  const rawThreshold = required('KEYRA_NEURAL_SPEAKER_THRESHOLD');
  const speakerThreshold = Number(rawThreshold);
  if (!Number.isFinite(speakerThreshold) || speakerThreshold <= -1 || speakerThreshold >= 1) {
    throw new ConfigError(
      `KEYRA_NEURAL_SPEAKER_THRESHOLD must be a cosine threshold between -1 and 1 (exclusive) that you measured for this model on your own recordings; got ${JSON.stringify(rawThreshold)}. ${NEURAL_DOCS}`,
    );
  }
  return { backend, modelPath, modelSha256, speakerThreshold };
}

/**
 * Builds the configuration from flags (which win) and `KEYRA_*` environment variables.
 * Throws {@link ConfigError} for anything invalid, so a bad deployment fails at boot, not later.
 */
export function loadConfig(
  input: ConfigInput,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ServerConfig {
  const dataDir = path.resolve(cwd, input.dataDir ?? env.KEYRA_DATA_DIR ?? '.keyra');
  const database =
    input.database ?? env.KEYRA_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'keyra.db')}`;
  const redis = input.redis ?? env.KEYRA_REDIS_URL ?? null;
  if (redis !== null && !/^rediss?:\/\//.test(redis)) {
    throw new ConfigError(
      `--redis must be a redis:// or rediss:// URL; got ${JSON.stringify(redactUrl(redis))}.`,
    );
  }
  const logLevel = (env.KEYRA_LOG_LEVEL ?? 'info') as ServerConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `KEYRA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}.`,
    );
  }
  // Readable on a terminal, JSON wherever the output goes to a file, a pipe or a log shipper.
  const logFormat =
    input.logFormat ?? env.KEYRA_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(
      `--log-format / KEYRA_LOG_FORMAT must be json or pretty; got ${JSON.stringify(logFormat)}.`,
    );
  }
  const host = input.host ?? env.KEYRA_HOST ?? '127.0.0.1';
  if (host.trim() === '') throw new ConfigError('--host must not be empty.');
  const port = integer('--port / KEYRA_PORT', input.port ?? env.KEYRA_PORT, 8787, 0, 65535);
  const dev = boolean('--dev / KEYRA_DEV', input.dev ?? env.KEYRA_DEV, false);
  const origins = (env.KEYRA_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin || (parsed.protocol !== 'https:' && !dev)) {
      throw new ConfigError(
        `KEYRA_ORIGINS must list origins like https://app.example.com (http only with --dev); got ${JSON.stringify(origin)}.`,
      );
    }
  }
  const rpId = env.KEYRA_RP_ID ?? 'localhost';
  if (!/^[a-z0-9.-]+$/i.test(rpId))
    throw new ConfigError(`KEYRA_RP_ID must be a domain name; got ${JSON.stringify(rpId)}.`);
  const publicUrl = env.KEYRA_PUBLIC_URL ?? `http://${host}:${port}`;
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`KEYRA_PUBLIC_URL must be a URL; got ${JSON.stringify(publicUrl)}.`);
  }
  return {
    host,
    port,
    databaseUrl: normalizeDatabaseUrl(database, cwd),
    redisUrl: redis,
    dev,
    dataDir,
    logLevel,
    logFormat,
    trustProxy: boolean('KEYRA_TRUST_PROXY', env.KEYRA_TRUST_PROXY, false),
    bodyLimitBytes: integer(
      'KEYRA_BODY_LIMIT_BYTES',
      env.KEYRA_BODY_LIMIT_BYTES,
      64 * 1024,
      1024,
      64 * 1024 * 1024,
    ),
    rateLimit: {
      windowMs:
        integer(
          'KEYRA_RATE_LIMIT_WINDOW_SECONDS',
          env.KEYRA_RATE_LIMIT_WINDOW_SECONDS,
          60,
          1,
          86_400,
        ) * 1000,
      perKey: integer('KEYRA_RATE_LIMIT_PER_KEY', env.KEYRA_RATE_LIMIT_PER_KEY, 600, 1, 10_000_000),
      perIp: integer('KEYRA_RATE_LIMIT_PER_IP', env.KEYRA_RATE_LIMIT_PER_IP, 1200, 1, 10_000_000),
    },
    keyRotationGraceMs:
      integer(
        'KEYRA_KEY_ROTATION_GRACE_SECONDS',
        env.KEYRA_KEY_ROTATION_GRACE_SECONDS,
        86_400,
        0,
        90 * 86_400,
      ) * 1000,
    apiKeyCacheMs: integer('KEYRA_API_KEY_CACHE_MS', env.KEYRA_API_KEY_CACHE_MS, 5000, 0, 60_000),
    databasePreparedStatements: boolean(
      'KEYRA_DATABASE_PREPARED_STATEMENTS',
      env.KEYRA_DATABASE_PREPARED_STATEMENTS,
      true,
    ),
    databasePoolSize: integer('KEYRA_DATABASE_POOL_SIZE', env.KEYRA_DATABASE_POOL_SIZE, 10, 1, 500),
    idempotencyRetentionMs: 24 * 60 * 60 * 1000,
    expirySweepIntervalMs: integer(
      'KEYRA_EXPIRY_SWEEP_MS',
      env.KEYRA_EXPIRY_SWEEP_MS,
      1000,
      50,
      3_600_000,
    ),
    auditCheckpointIntervalMs:
      integer(
        'KEYRA_AUDIT_CHECKPOINT_SECONDS',
        env.KEYRA_AUDIT_CHECKPOINT_SECONDS,
        3600,
        0,
        7 * 86_400,
      ) * 1000,
    relyingParty: { id: rpId, name: env.KEYRA_RP_NAME ?? 'KEYRA', origins },
    trustedRootFiles: (env.KEYRA_TRUSTED_ROOTS ?? '')
      .split(',')
      .map((file) => file.trim())
      .filter(Boolean)
      .map((file) => path.resolve(cwd, file)),
    publicUrl,
    proofTtlSeconds: integer(
      'KEYRA_PROOF_TTL_SECONDS',
      env.KEYRA_PROOF_TTL_SECONDS,
      86_400,
      60,
      30 * 86_400,
    ),
    webhooks: {
      rotationOverlapMs:
        integer(
          'KEYRA_WEBHOOK_ROTATION_OVERLAP_HOURS',
          env.KEYRA_WEBHOOK_ROTATION_OVERLAP_HOURS,
          24,
          0,
          24 * 30,
        ) * 3600_000,
      disableAfterMs:
        integer(
          'KEYRA_WEBHOOK_DISABLE_AFTER_HOURS',
          env.KEYRA_WEBHOOK_DISABLE_AFTER_HOURS,
          72,
          1,
          24 * 30,
        ) * 3600_000,
      concurrency: integer('KEYRA_WEBHOOK_CONCURRENCY', env.KEYRA_WEBHOOK_CONCURRENCY, 64, 1, 1024),
    },
    ciba: {
      issuer: issuerUrl(env.KEYRA_ISSUER, dev),
      intervalSeconds: integer(
        'KEYRA_CIBA_INTERVAL_SECONDS',
        env.KEYRA_CIBA_INTERVAL_SECONDS,
        5,
        1,
        60,
      ),
    },
    voice: voiceBackend(env, cwd),
    eas: easConfig(env),
  };
}

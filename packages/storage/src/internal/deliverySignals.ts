import pg from 'pg';

/** The PostgreSQL channel on which committed webhook deliveries are announced (no payload). */
export const DELIVERIES_CHANNEL = 'keyra_webhooks';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

export interface DeliverySignals {
  /** Deliveries were committed through this process's stores: tell its watchers now. */
  committed(): void;
  /** `storage.watchDeliveries`. */
  watch(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * The wake-up signals behind `storage.watchDeliveries`. In process, the storage calls
 * `committed()` after a commit that queued deliveries. Across processes on PostgreSQL,
 * `committed()` also sends `NOTIFY keyra_webhooks` (through `notify`, as a statement of its own
 * after the commit: a NOTIFY inside the writing transaction would make its commit take
 * PostgreSQL's cluster-wide notification lock, which serializes every notifying commit, WAL flush
 * included). Those notifications are coalesced: while one is on its way, later commits ask for one
 * more after it, not one each. The listening side is one dedicated connection (opened while
 * someone watches, outside the pool), reconnecting with backoff when it drops; after each
 * (re)connection it signals once, for what was committed while nobody listened. A process that
 * stops between its commit and its NOTIFY leaves the rows to the other workers' poll. SQLite has
 * no cross-process signal: other processes on the same file are found by the worker's poll.
 */
export function createDeliverySignals(
  postgresUrl: string | null,
  notify: () => Promise<void> = async () => {},
): DeliverySignals {
  const listeners = new Set<() => void>();
  const signal = (): void => {
    for (const listener of [...listeners]) listener();
  };
  let remote: { close(): Promise<void> } | null = null;
  let stopping: Promise<void> = Promise.resolve();
  let closed = false;
  let announcing: Promise<void> | null = null;
  let again = false;
  const announce = (): void => {
    if (postgresUrl === null || closed) return;
    if (announcing) {
      again = true;
      return;
    }
    announcing = notify()
      .catch(() => {
        // A hint only: the other instances' workers poll as well.
      })
      .finally(() => {
        announcing = null;
        if (again) {
          again = false;
          announce();
        }
      });
  };

  return {
    committed() {
      signal();
      announce();
    },
    watch(listener) {
      listeners.add(listener);
      if (postgresUrl !== null && remote === null) remote = listenOnPostgres(postgresUrl, signal);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && remote !== null) {
          stopping = Promise.all([stopping, remote.close()]).then(() => undefined);
          remote = null;
        }
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      const closing = remote?.close();
      remote = null;
      while (announcing) await announcing;
      await Promise.all([stopping, closing]);
    },
  };
}

function listenOnPostgres(url: string, onSignal: () => void): { close(): Promise<void> } {
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let delayMs = RECONNECT_MIN_MS;

  const connect = async (): Promise<void> => {
    timer = null;
    if (closed) return;
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    client = next;
    let failed = false;
    const fail = (): void => {
      if (failed) return;
      failed = true;
      if (client === next) client = null;
      next.end().catch(() => {});
      if (closed) return;
      timer = setTimeout(() => void connect(), delayMs);
      delayMs = Math.min(delayMs * 2, RECONNECT_MAX_MS);
    };
    next.on('error', fail);
    next.on('end', fail);
    next.on('notification', (message) => {
      if (message.channel === DELIVERIES_CHANNEL) onSignal();
    });
    try {
      await next.connect();
      await next.query(`listen ${DELIVERIES_CHANNEL}`);
    } catch {
      fail();
      return;
    }
    if (closed || failed) return;
    delayMs = RECONNECT_MIN_MS;
    onSignal();
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}

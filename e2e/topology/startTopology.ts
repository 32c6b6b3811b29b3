import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startKeyra, type KeyraServer } from '../helpers/keyraProcess.js';

/*
 * The cluster topology on real network paths: one Linux network namespace per KEYRA instance and
 * one for PostgreSQL + Redis, each joined by a veth pair to a bridge in the root namespace, where
 * the test runner (load, webhook receiver, accounting) lives. Instance ↔ database traffic leaves
 * one namespace and crosses the bridge into another, so faults are real: a stopped PostgreSQL, a
 * SIGKILLed process, packets dropped by iptables.
 *
 *   root ns: bridge kf<pid>b 10.231.N.1 ── veth ── kf-<pid>-db  10.231.N.2 (postgres :5432, redis :6379)
 *                                      ├── veth ── kf-<pid>-i0 10.231.N.10 (keyra :8080)
 *                                      ├── veth ── kf-<pid>-i1 10.231.N.11 …
 *
 * Everything created is named after the runner's pid, so parallel runs never collide and a run
 * can remove what a dead run left behind (namespaces and links whose pid no longer exists).
 */

const exec = promisify(execFile);
/** PostgreSQL's server binaries: KEYRA_TEST_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
function findPostgresBin(): string | null {
  if (process.env.KEYRA_TEST_PG_BIN) return process.env.KEYRA_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}
const PG_BIN = findPostgresBin() ?? '/usr/lib/postgresql/15/bin';
const FORWARD_SCRIPT = fileURLToPath(new URL('./forwardPort.mjs', import.meta.url));
const KEYRA_PORT = 8080;

/** Why this machine cannot run the topology (not root, no `ip`/`iptables`/PostgreSQL/Redis), or null. */
export async function topologyUnavailableReason(): Promise<string | null> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [command, args] of [
    ['ip', ['-V']],
    ['iptables', ['-V']],
    ['redis-server', ['--version']],
  ] as const) {
    try {
      await exec(command, [...args]);
    } catch {
      return `\`${command}\` is not installed`;
    }
  }
  if (!existsSync(path.join(PG_BIN, 'initdb')))
    return `PostgreSQL's initdb is not in ${PG_BIN} (set KEYRA_TEST_PG_BIN)`;
  return null;
}

/** True (with a loud warning) when the topology cannot run here; in CI (`CI=true`) it throws. */
export async function shouldSkipTopology(): Promise<boolean> {
  const reason = await topologyUnavailableReason();
  if (reason === null) return false;
  if (process.env.CI === 'true')
    throw new Error(`The namespace topology cannot run: ${reason}. CI requires it.`);
  console.warn(`\n⚠️  SKIPPING the network-namespace topology tests: ${reason}.\n`);
  return true;
}

async function sh(command: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr ?? (error as Error).message}`);
  }
}

const inNs = (ns: string, ...args: string[]): Promise<string> =>
  sh('ip', 'netns', 'exec', ns, ...args);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function killNamespaceProcesses(ns: string): Promise<void> {
  const pids = (await sh('ip', 'netns', 'pids', ns).catch(() => '')).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Removes namespaces, links and temp dirs left by runs whose process no longer exists. */
export async function removeStaleTopologies(): Promise<void> {
  for (const line of (await sh('ip', 'netns', 'list')).split('\n')) {
    const match = /^(kf-(\d+)-\S+)/.exec(line);
    if (!match || isAlive(Number(match[2]))) continue;
    await killNamespaceProcesses(match[1]!);
    await sh('ip', 'netns', 'del', match[1]!).catch(() => '');
  }
  for (const line of (await sh('ip', '-o', 'link', 'show')).split('\n')) {
    const match = /^\d+: (kf(\d+)[bh]\d*)[@:]/.exec(line);
    if (!match || isAlive(Number(match[2]))) continue;
    await sh('ip', 'link', 'del', match[1]!).catch(() => '');
  }
  for (const name of readdirSync(os.tmpdir())) {
    const match = /^kf-(\d+)-/.exec(name);
    if (match && !isAlive(Number(match[1])))
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

/** Resolves once a TCP connection to `host:port` succeeds, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.setTimeout(500, () => socket.destroy(new Error('timeout')));
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not open in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface TopologyInstance {
  ns: string;
  ip: string;
  /** `http://IP:8080`, stable across restarts. */
  url: string;
  server: KeyraServer | null;
}

export interface Topology {
  /** The bridge's address: where the runner listens for the instances (webhook receiver). */
  hostIp: string;
  dbIp: string;
  /** PostgreSQL of the db namespace, reachable from every namespace and from the runner. */
  databaseUrl: string;
  redisUrl: string;
  /** The server secret every instance shares. */
  env: NodeJS.ProcessEnv;
  instances: TopologyInstance[];
  /** Starts (or restarts) instance `i` on its namespace's address and port. */
  startInstance(i: number): Promise<KeyraServer>;
  /** SIGKILLs instance `i`. */
  killInstance(i: number): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** Drops every packet between instance `i` and the db namespace (both ways), or lifts that. */
  partition(i: number, on: boolean): Promise<void>;
  /**
   * Relays `127.0.0.1:port` inside every instance namespace to `hostIp:port` (the runner), so
   * loopback webhook URLs allowed by `--dev` reach a receiver across the bridge.
   */
  forwardToHost(port: number): Promise<void>;
  close(): Promise<void>;
}

export interface TopologyOptions {
  instances?: number;
  /** Extra environment for every instance. */
  env?: NodeJS.ProcessEnv;
}

/** Builds the namespaces, starts PostgreSQL and Redis in the db namespace, then the instances. */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  await removeStaleTopologies();
  const pid = process.pid;
  const subnet = `10.231.${pid % 250}`;
  const bridge = `kf${pid}b`;
  const hostIp = `${subnet}.1`;
  const dbIp = `${subnet}.2`;
  const dbNs = `kf-${pid}-db`;
  const dir = mkdtempSync(path.join(os.tmpdir(), `kf-${pid}-`));
  const pgDir = path.join(dir, 'pg');
  const env: NodeJS.ProcessEnv = {
    KEYRA_SECRET: randomBytes(32).toString('hex'),
    ...options.env,
  };
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  let redis: ChildProcess | null = null;
  let pgStarted = false;

  async function addNamespace(ns: string, index: number, ip: string): Promise<void> {
    const host = `kf${pid}h${index}`;
    const peer = `kf${pid}p${index}`;
    await sh('ip', 'netns', 'add', ns);
    namespaces.push(ns);
    await sh('ip', 'link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    await sh('ip', 'link', 'set', peer, 'netns', ns);
    await sh('ip', 'link', 'set', host, 'master', bridge);
    await sh('ip', 'link', 'set', host, 'up');
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    await inNs(ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', peer);
    await inNs(ns, 'ip', 'link', 'set', peer, 'up');
  }

  const count = options.instances ?? 3;
  const instances: TopologyInstance[] = Array.from({ length: count }, (_, i) => ({
    ns: `kf-${pid}-i${i}`,
    ip: `${subnet}.${10 + i}`,
    url: `http://${subnet}.${10 + i}:${KEYRA_PORT}`,
    server: null,
  }));

  const pgCtl = (...args: string[]): Promise<string> =>
    sh('runuser', '-u', 'postgres', '--', path.join(PG_BIN, 'pg_ctl'), '-D', pgDir, ...args);

  const topology: Topology = {
    hostIp,
    dbIp,
    databaseUrl: `postgres://postgres@${dbIp}:5432/postgres`,
    redisUrl: `redis://${dbIp}:6379`,
    env,
    instances,
    async startInstance(i) {
      const instance = instances[i]!;
      const server = await startKeyra(
        [
          '--dev',
          '--host',
          instance.ip,
          '--database',
          topology.databaseUrl,
          '--redis',
          topology.redisUrl,
          '--data-dir',
          path.join(dir, `data-${i}`),
        ],
        { env, netns: instance.ns, port: KEYRA_PORT },
      );
      instance.server = server;
      return server;
    },
    async killInstance(i) {
      await instances[i]!.server?.stop('SIGKILL');
      instances[i]!.server = null;
    },
    async stopPostgres() {
      await pgCtl('-m', 'fast', '-w', 'stop');
      pgStarted = false;
    },
    async startPostgres() {
      // pg_ctl forks the postmaster: started through `ip netns exec`, it lives in the db namespace.
      await inNs(
        dbNs,
        'runuser',
        '-u',
        'postgres',
        '--',
        path.join(PG_BIN, 'pg_ctl'),
        '-D',
        pgDir,
        '-l',
        path.join(dir, 'postgres.log'),
        '-w',
        '-t',
        '60',
        '-o',
        `-c listen_addresses=${dbIp} -p 5432 -k ${dir} -c fsync=off -c max_connections=200`,
        'start',
      );
      pgStarted = true;
    },
    async stopRedis() {
      const child = redis;
      redis = null;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
    async startRedis() {
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          dbNs,
          'redis-server',
          '--bind',
          dbIp,
          '--port',
          '6379',
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      redis = child;
      children.add(child);
      await waitForPort(dbIp, 6379);
    },
    async partition(i, on) {
      const { ns } = instances[i]!;
      const action = on ? '-I' : '-D';
      await inNs(ns, 'iptables', action, 'OUTPUT', '-d', dbIp, '-j', 'DROP');
      await inNs(ns, 'iptables', action, 'INPUT', '-s', dbIp, '-j', 'DROP');
    },
    async forwardToHost(port) {
      await Promise.all(
        instances.map(
          (instance) =>
            new Promise<void>((resolve, reject) => {
              const child = spawn(
                'ip',
                [
                  'netns',
                  'exec',
                  instance.ns,
                  process.execPath,
                  FORWARD_SCRIPT,
                  '127.0.0.1',
                  String(port),
                  hostIp,
                  String(port),
                ],
                { stdio: ['ignore', 'pipe', 'inherit'] },
              );
              children.add(child);
              child.once('error', reject);
              child.once('exit', (code) => reject(new Error(`forwarder exited with ${code}`)));
              child.stdout.once('data', () => resolve());
            }),
        ),
      );
    },
    async close() {
      await Promise.all(instances.map((instance) => instance.server?.stop('SIGKILL')));
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      if (pgStarted) await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => '');
      for (const ns of namespaces) {
        await killNamespaceProcesses(ns);
        await sh('ip', 'netns', 'del', ns).catch(() => '');
      }
      await sh('ip', 'link', 'del', bridge).catch(() => '');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await sh('ip', 'link', 'add', bridge, 'type', 'bridge');
    await sh('ip', 'addr', 'add', `${hostIp}/24`, 'dev', bridge);
    await sh('ip', 'link', 'set', bridge, 'up');
    await addNamespace(dbNs, 0, dbIp);
    for (const [i, instance] of instances.entries())
      await addNamespace(instance.ns, i + 1, instance.ip);

    // initdb refuses root: the cluster belongs to the postgres user, in a directory of its own.
    await sh('chown', 'postgres:postgres', dir);
    await sh(
      'runuser',
      '-u',
      'postgres',
      '--',
      path.join(PG_BIN, 'initdb'),
      '-D',
      pgDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
    );
    appendFileSync(path.join(pgDir, 'pg_hba.conf'), `host all all ${subnet}.0/24 trust\n`);
    await topology.startPostgres();
    await topology.startRedis();
    return topology;
  } catch (error) {
    await topology.close();
    throw error;
  }
}

import net from 'node:net';

/**
 * Whether a TCP service answers. Tests that need PostgreSQL or Redis skip with a loud message
 * when it is absent on a developer's machine; in CI (CI=true) absence is a failure.
 */
export async function serviceAvailable(name: string, host: string, port: number): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (up) return true;
  const message = `${name} is not reachable on ${host}:${port}`;
  if (process.env.CI === 'true') throw new Error(`${message}: CI requires it (see .ci/run).`);
  console.warn(`\n⚠️  SKIPPING ${name} tests: ${message}. Start ${name} to run them.\n`);
  return false;
}

export const REDIS_URL = process.env.KEYRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

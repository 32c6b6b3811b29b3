import http from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createKeepAliveAgents, safeFetch, SafeFetchError } from '../src/net/safeFetch.js';

// The webhook worker reuses connections through keep-alive agents. Pooling must not weaken the
// SSRF guard: every request is resolved and checked again before a pooled connection is used.

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function receiver(): Promise<{
  port: number;
  connections: () => number;
  requests: () => number;
}> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    requests: () => requests,
  };
}

it('reuses one connection to a checked address, and checks every request before reusing it', async () => {
  const target = await receiver();
  const agents = createKeepAliveAgents(4);
  cleanup.push(() => agents.destroy());
  let dns = ['127.0.0.1'];
  const post = (): ReturnType<typeof safeFetch> =>
    safeFetch(`http://hooks.example:${target.port}/hook`, {
      method: 'POST',
      body: '{}',
      maxBytes: 1024,
      timeoutMs: 5000,
      maxRedirects: 0,
      allowHttp: true,
      allowLoopback: true,
      agents,
      resolve: () => Promise.resolve(dns),
    });

  for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200);
  expect(target.requests()).toBe(3);
  expect(target.connections()).toBe(1);

  // DNS rebinding to a private address while a pooled connection is open: refused, not sent.
  dns = ['10.0.0.1'];
  const refused = await post().catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(SafeFetchError);
  expect((refused as SafeFetchError).reason).toBe('blocked');
  // One public and one private address: refused as well.
  dns = ['127.0.0.1', '169.254.169.254'];
  expect(((await post().catch((error: unknown) => error)) as SafeFetchError).reason).toBe(
    'blocked',
  );
  expect(target.requests()).toBe(3);

  dns = ['127.0.0.1'];
  expect((await post()).status).toBe(200);
  expect(target.requests()).toBe(4);
  expect(target.connections()).toBe(1);
});

it('without agents, each request opens its own connection (the default)', async () => {
  const target = await receiver();
  for (let i = 0; i < 2; i++) {
    const response = await safeFetch(`http://127.0.0.1:${target.port}/hook`, {
      method: 'POST',
      body: '{}',
      maxBytes: 1024,
      timeoutMs: 5000,
      allowHttp: true,
      allowLoopback: true,
    });
    expect(response.status).toBe(200);
  }
  expect(target.connections()).toBe(2);
});

/*
 * HMAC-SHA256 from the platform, synchronously. `keyra.webhooks.verify(rawBody, sig)` is
 * synchronous in the documented samples (`if (!keyra.webhooks.verify(...))`) and WebCrypto only
 * offers an async HMAC, so this takes `createHmac` from `node:crypto`, which Node, Bun and Deno
 * all provide. It is looked up at run time rather than imported at the top of a module, so that
 * importing the SDK never fails where there is no `node:crypto` (browsers, edge runtimes without
 * Node compatibility): only a synchronous webhook verification does, with a clear error.
 */

interface NodeCrypto {
  createHmac(
    algorithm: 'sha256',
    key: Uint8Array,
  ): { update(data: Uint8Array): { digest(): Uint8Array } };
}

/** `require` where the module is CommonJS (the SDK's `require` build); absent in ES modules. */
declare const require: ((id: string) => unknown) | undefined;

interface NodeLikeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

const nodeProcess = (globalThis as { process?: NodeLikeProcess }).process;
let nodeCrypto: NodeCrypto | undefined = findNodeCrypto();
if (nodeCrypto === undefined && typeof nodeProcess?.versions?.node === 'string') {
  // ES modules on Node-compatible runtimes without process.getBuiltinModule (Node < 20.16): load
  // it once, now. Never in a browser, where the specifier would become a request. The specifier
  // is a variable so that bundlers leave it alone.
  const specifier = 'node:crypto';
  import(/* webpackIgnore: true */ specifier).then(
    (module: NodeCrypto) => (nodeCrypto = module),
    () => undefined,
  );
}

function findNodeCrypto(): NodeCrypto | undefined {
  try {
    const builtin = nodeProcess?.getBuiltinModule?.('node:crypto');
    if (builtin !== undefined) return builtin as NodeCrypto;
    if (typeof require === 'function') return require('node:crypto') as NodeCrypto;
  } catch {
    // No Node compatibility: fall through.
  }
  return undefined;
}

/** HMAC-SHA256(key, message), or a TypeError on a platform without `node:crypto`. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (nodeCrypto === undefined) {
    throw new TypeError(
      'Synchronous HMAC-SHA256 needs node:crypto (Node, Bun, Deno, or an edge runtime with Node compatibility).',
    );
  }
  return new Uint8Array(nodeCrypto.createHmac('sha256', key).update(message).digest());
}

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EasSdk, Ethers } from '../../packages/server/src/stamps/loadEas.js';

const require = createRequire(import.meta.url);
// CommonJS on purpose: the EAS SDK's ESM build does not load on Node 20, and its ethers must be the same.
export const ethers = require('ethers') as Ethers;
export const easSdk = require('@ethereum-attestation-service/eas-sdk') as EasSdk;

interface Artifact {
  abi: object[];
  bytecode: string;
}
const artifact = (name: string): Artifact =>
  require(
    `@ethereum-attestation-service/eas-contracts/artifacts/contracts/${name}.sol/${name}.json`,
  ) as Artifact;

/** Hardhat's well-known development accounts (public keys of a public mnemonic: test chains only). */
export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
] as const;

export interface LocalChain {
  url: string;
  chainId: number;
  provider: InstanceType<Ethers['JsonRpcProvider']>;
  /** Deploys SchemaRegistry and EAS from the compiled artifacts shipped in eas-contracts. */
  deployEas(): Promise<{ registry: string; eas: string; version: string }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `hardhat node` (Hardhat 2, from npm) on a free port and waits for its JSON-RPC. */
export async function startLocalChain(): Promise<LocalChain> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-chain-'));
  // Inside the repository: Hardhat refuses a project whose root cannot resolve its installation.
  const config = fileURLToPath(new URL('../chain/hardhat.config.cjs', import.meta.url));
  const port = await freePort();
  const bin = require.resolve('hardhat/internal/cli/bootstrap');
  const child = spawn(
    process.execPath,
    [bin, '--config', config, 'node', '--hostname', '127.0.0.1', '--port', String(port)],
    {
      cwd: path.dirname(config),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
        KEYRA_HARDHAT_WORKDIR: dir,
      },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (((await res.json()) as { result?: string }).result === '0x7a69') break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hardhat node did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const provider = new ethers.JsonRpcProvider(url, undefined, {
    staticNetwork: ethers.Network.from(31337),
    cacheTimeout: -1,
  });
  return {
    url,
    chainId: 31337,
    provider,
    async deployEas() {
      const deployer = new ethers.Wallet(DEV_KEYS[0], provider);
      const reg = artifact('SchemaRegistry');
      const registry = await new ethers.ContractFactory(reg.abi, reg.bytecode, deployer).deploy();
      await registry.waitForDeployment();
      const easArtifact = artifact('EAS');
      const eas = await new ethers.ContractFactory(
        easArtifact.abi,
        easArtifact.bytecode,
        deployer,
      ).deploy(await registry.getAddress());
      await eas.waitForDeployment();
      const version = (await (
        eas as unknown as { version(): Promise<string> }
      ).version()) as string;
      return { registry: await registry.getAddress(), eas: await eas.getAddress(), version };
    },
    async stop() {
      provider.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

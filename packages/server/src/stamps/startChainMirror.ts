import {
  nextAttemptAt,
  recordEvent,
  type Clock,
  type StampRecord,
  type Storage,
} from '@keyra/core';
import type { FastifyBaseLogger } from 'fastify';
import type { EasConfig } from '../config.js';
import type { EasAttester } from './createEasAttester.js';
import { loadEas, STAMP_SCHEMA_REVOCABLE } from './loadEas.js';

export interface ChainMirrorOptions {
  storage: Storage;
  clock: Clock;
  log: FastifyBaseLogger;
  eas: EasConfig & { chain: NonNullable<EasConfig['chain']> };
  attester: EasAttester;
  /** How often an idle mirror looks for due stamps. */
  pollMs?: number;
  /** How long one attempt waits for its transaction to be mined before checking back later. */
  receiptTimeoutMs?: number;
  /** Seconds before retry N after a failed attempt; default: the webhook schedule (about 3 days). */
  retryAt?: (attempts: number, now: number) => number | null;
}

export interface ChainMirror {
  /** Stops claiming and waits for the attempt in flight. */
  stop(): Promise<void>;
  /** Runs one claim-and-mirror pass now (tests); returns how many stamps it handled. */
  runOnce(): Promise<number>;
}

/** A claimed stamp is someone else's to retry if its worker has not finished by then. */
const LEASE_MS = 120_000;
/** A submitted transaction not yet mined is checked again after this long (not counted as a failure). */
const PENDING_RECHECK_MS = 15_000;
const MAX_ERROR_CHARS = 300;

/**
 * A short, public-safe reason: `last_error` is shown on the public stamp, so the RPC URL (which
 * often embeds a provider API key) is masked wherever it appears.
 */
function describeWith(rpcUrl: string): (error: unknown) => string {
  const url = new URL(rpcUrl);
  // Longest first, so a URL is masked whole before its host or host name alone.
  const secrets = [rpcUrl, url.origin, url.host, url.hostname].filter(Boolean);
  return (error) => {
    const e = error as { shortMessage?: string; message?: string };
    let text = String(e.shortMessage ?? e.message ?? error);
    for (const secret of secrets) text = text.split(secret).join('[rpc]');
    return text.slice(0, MAX_ERROR_CHARS);
  };
}

/**
 * Mirrors stamps on chain: every process runs one; it leases due `pending` stamps (one worker per
 * stamp across instances), submits an EAS `attest` transaction with the configured signer, records
 * the transaction hash before waiting for it (so a crash or timeout re-checks that transaction
 * instead of attesting twice), and on a mined receipt records the attestation UID, marks the
 * stamp `confirmed` and emits `stamp.mirrored` in the same transaction. Failures (RPC down,
 * reverted, out of gas) retry with backoff; after the last retry the stamp is `failed` with the
 * error. Stamps are handled one at a time per process, so one signer's nonces stay in order.
 */
export function startChainMirror(options: ChainMirrorOptions): ChainMirror {
  const { storage, clock, log, eas: config, attester } = options;
  const modules = loadEas();
  if (!modules) throw new Error('On-chain mirroring needs the optional EAS packages.');
  const { sdk, ethers } = modules;
  const describe = describeWith(config.chain.rpcUrl);
  const pollMs = options.pollMs ?? 1000;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
  const retryAt = options.retryAt ?? ((attempts, now) => nextAttemptAt(attempts, now));
  const provider = new ethers.JsonRpcProvider(config.chain.rpcUrl, undefined, {
    // No network auto-detection loop: the chain id is configured and checked below.
    staticNetwork: ethers.Network.from(config.chainId),
    // Fresh nonces and receipts on every call (ethers caches for 250 ms otherwise).
    cacheTimeout: -1,
  });
  const wallet = new ethers.Wallet(config.chain.signerKey, provider);
  const contract = new sdk.EAS(config.contract);
  contract.connect(wallet);
  let chainChecked = false;
  let stopped = false;
  let running: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function checkChain(): Promise<void> {
    if (chainChecked) return;
    const chainId = Number(await provider.send('eth_chainId', []));
    if (chainId !== config.chainId) {
      throw new Error(
        `KEYRA_EAS_RPC_URL serves chain ${chainId}, but KEYRA_EAS_CHAIN_ID is ${config.chainId}.`,
      );
    }
    chainChecked = true;
  }

  async function confirm(stamp: StampRecord, txHash: string, uid: string): Promise<void> {
    const now = clock.now();
    await storage.transaction(async (tx) => {
      await tx.stamps.completeChain(stamp.id, {
        status: 'confirmed',
        uid,
        txHash,
        error: null,
        nextAttemptAt: null,
        now,
      });
      await recordEvent(
        tx,
        { tenantId: stamp.tenantId, environment: stamp.environment },
        'stamp.mirrored',
        { stampId: stamp.id, chainId: config.chainId, txHash, uid },
        now,
      );
    });
    log.info({ stampId: stamp.id, txHash, uid }, 'stamp mirrored on chain');
  }

  async function fail(stamp: StampRecord, error: unknown, txHash: string | null): Promise<void> {
    const now = clock.now();
    const next = retryAt(stamp.chainAttempts + 1, now);
    const message = describe(error);
    await storage.stamps.completeChain(stamp.id, {
      status: next === null ? 'failed' : 'pending',
      uid: null,
      txHash,
      error: message,
      nextAttemptAt: next,
      now,
    });
    log.warn(
      {
        stampId: stamp.id,
        attempts: stamp.chainAttempts + 1,
        gaveUp: next === null,
        reason: message,
      },
      'stamp mirror attempt failed',
    );
  }

  /** A submitted transaction is not mined yet: look again soon (not counted as a failure's backoff). */
  async function checkLater(stamp: StampRecord, txHash: string): Promise<void> {
    await storage.stamps.completeChain(stamp.id, {
      status: 'pending',
      uid: null,
      txHash,
      error: null,
      nextAttemptAt: clock.now() + PENDING_RECHECK_MS,
      now: clock.now(),
    });
  }

  /** The UID of a mined attest transaction, or null if it is not mined yet; throws if it reverted. */
  async function minedUid(txHash: string): Promise<string | null> {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (!receipt) return null;
    if (receipt.status !== 1) throw new Error(`Attestation transaction ${txHash} reverted.`);
    // ethers is loaded with require (CJS), so its types differ only nominally from the ESM ones.
    const [uid] = contract.getUIDsFromAttestReceipt(receipt as never);
    if (!uid) throw new Error(`Transaction ${txHash} emitted no Attested event.`);
    return uid;
  }

  async function mirror(stamp: StampRecord): Promise<void> {
    let txHash = stamp.chainTxHash;
    try {
      await checkChain();
      if (txHash) {
        // A previous attempt submitted it: check that transaction, never attest twice.
        const uid = await minedUid(txHash);
        if (uid) return await confirm(stamp, txHash, uid);
        if (await provider.getTransaction(txHash)) {
          return await checkLater(stamp, txHash);
        }
        txHash = null; // Dropped from the mempool: submit again.
      }
      const request = await contract.attest({
        schema: attester.schemaUid,
        data: {
          recipient: ethers.ZeroAddress,
          expirationTime: 0n,
          revocable: STAMP_SCHEMA_REVOCABLE,
          refUID: sdk.ZERO_BYTES32,
          data: attester.encode({
            proofSha256: stamp.proofSha256,
            issuedAt: stamp.issuedAt,
            method: stamp.method,
          }),
        },
      });
      const sent = await wallet.sendTransaction(request.data);
      txHash = sent.hash;
      await storage.stamps.recordChainSubmission(stamp.id, config.chainId, txHash);
      const receipt = await provider
        .waitForTransaction(txHash, 1, receiptTimeoutMs)
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === 'TIMEOUT') return null;
          throw error;
        });
      const uid = receipt ? await minedUid(txHash) : null;
      if (uid) return await confirm(stamp, txHash, uid);
      await checkLater(stamp, txHash);
    } catch (error) {
      // A reverted transaction is final for that hash: forget it so the retry attests anew.
      const reverted = /reverted|no Attested event/.test(describe(error));
      await fail(stamp, error, reverted ? null : txHash);
    }
  }

  async function pass(): Promise<number> {
    let handled = 0;
    // Due as of the start of the pass: a stamp rescheduled during it waits for the next pass.
    const asOf = clock.now();
    for (;;) {
      if (stopped) return handled;
      const [stamp] = await storage.stamps.claimChainDue(asOf, 1, LEASE_MS);
      if (!stamp) return handled;
      await mirror(stamp);
      handled++;
    }
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) =>
          log.error({ reason: describe(error) }, 'stamp mirror pass failed'),
        )
        .finally(schedule);
    }, pollMs);
    timer.unref();
  }
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      provider.destroy();
    },
  };
}

import type { Command } from 'commander';
import { CliError } from './cliError.js';
import { stampSchemaUid } from '../stamps/createEasAttester.js';
import {
  EAS_INSTALL_HINT,
  loadEas,
  STAMP_SCHEMA,
  STAMP_SCHEMA_REVOCABLE,
  type EasModules,
} from '../stamps/loadEas.js';

function requireEas(): EasModules {
  const eas = loadEas();
  if (!eas) throw new CliError(EAS_INSTALL_HINT);
  return eas;
}

export function registerEasCommands(program: Command): void {
  const eas = program
    .command('eas')
    .description('Ethereum Attestation Service: the stamp schema and its registration on a chain.');

  eas
    .command('schema')
    .description('Print the stamp schema and its UID (no resolver, revocable).')
    .option('--json', 'print {"schema","uid","revocable"}')
    .action((flags: { json?: boolean }) => {
      const uid = stampSchemaUid(requireEas());
      if (flags.json) {
        console.log(
          JSON.stringify({ schema: STAMP_SCHEMA, uid, revocable: STAMP_SCHEMA_REVOCABLE }),
        );
        return;
      }
      console.log(`schema   ${STAMP_SCHEMA}\nuid      ${uid}\nrevocable ${STAMP_SCHEMA_REVOCABLE}`);
    });

  eas
    .command('register-schema')
    .description(
      "Register the stamp schema in a chain's EAS SchemaRegistry (once per chain) and print its UID for KEYRA_EAS_SCHEMA_UID. The signer key is read from an environment variable, never a flag.",
    )
    .requiredOption('--rpc <url>', 'JSON-RPC URL of the chain')
    .requiredOption('--registry <address>', "the chain's EAS SchemaRegistry contract address")
    .option(
      '--key-env <name>',
      'environment variable holding the paying account key (hex)',
      'KEYRA_EAS_SIGNER_KEY',
    )
    .option('--json', 'print {"uid","txHash","alreadyRegistered"}')
    .action(async (flags: { rpc: string; registry: string; keyEnv: string; json?: boolean }) => {
      const { sdk, ethers } = requireEas();
      const key = process.env[flags.keyEnv]?.trim();
      if (!key)
        throw new CliError(
          `Set ${flags.keyEnv} to the hex private key of the account that pays for the registration.`,
        );
      if (!ethers.isAddress(flags.registry))
        throw new CliError(
          `--registry must be a contract address; got ${JSON.stringify(flags.registry)}.`,
        );
      const provider = new ethers.JsonRpcProvider(flags.rpc, undefined, { cacheTimeout: -1 });
      try {
        let wallet;
        try {
          wallet = new ethers.Wallet(key, provider);
        } catch {
          throw new CliError(`${flags.keyEnv} is not a valid private key (64 hex digits).`);
        }
        const uid = stampSchemaUid({ sdk, ethers });
        const registry = new sdk.SchemaRegistry(flags.registry);
        registry.connect(wallet);
        let existing: { uid: string } | null = null;
        try {
          existing = await registry.getSchema({ uid });
        } catch {
          existing = null; // The SDK throws "Schema not found".
        }
        let txHash: string | null = null;
        if (!existing || existing.uid === ethers.ZeroHash) {
          const tx = await registry.register({
            schema: STAMP_SCHEMA,
            resolverAddress: ethers.ZeroAddress,
            revocable: STAMP_SCHEMA_REVOCABLE,
          });
          await tx.wait();
          txHash = tx.receipt?.hash ?? null;
        }
        if (flags.json) {
          console.log(JSON.stringify({ uid, txHash, alreadyRegistered: txHash === null }));
          return;
        }
        console.log(
          txHash
            ? `Registered the stamp schema (transaction ${txHash}).`
            : 'The stamp schema is already registered on this chain.',
        );
        console.log(`KEYRA_EAS_SCHEMA_UID=${uid}`);
      } catch (error) {
        if (error instanceof CliError) throw error;
        const e = error as { shortMessage?: string; message?: string };
        throw new CliError(
          `Could not register the schema at ${flags.rpc}: ${e.shortMessage ?? e.message}`,
        );
      } finally {
        provider.destroy();
      }
    });
}

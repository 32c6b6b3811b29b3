import { KEYRA_ONE_ORIGIN, KEYRA_ONE_SIMULATOR_AAGUID } from '@keyra/attestation';
import { formatTimestamp } from '@keyra/core';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Command } from 'commander';
import { createAuthenticator } from '../authenticator/createAuthenticator.js';
import { getAttestationPublicKey } from '../authenticator/getAttestationPublicKey.js';
import { makeCredential } from '../authenticator/makeCredential.js';
import { provisionAttestationCertificate } from '../authenticator/provisionAttestationCertificate.js';
import { saveAuthenticatorState } from '../state/saveAuthenticatorState.js';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';
import { STATE_OPTION_HELP, connect, jsonLine } from './commandContext.js';
import { resolveStatePath, stateExists, withStateLock } from './deviceStateFile.js';

/** Where `pair` looks for the server without `--api` (the SDKs' default too). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8787';

interface PairFlags {
  api?: string;
  key?: string;
  user: string;
  state?: string;
  name?: string;
  force?: boolean;
  json?: boolean;
}

/** The API base URL, checked: http(s), no query or fragment, no trailing slash. */
export function parseApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(
      `--api must be the server's URL, like ${DEFAULT_API_URL}; got ${JSON.stringify(value)}`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new CliError(
      `--api must be an http(s) URL without query or fragment, like ${DEFAULT_API_URL}; got ${JSON.stringify(value)}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

export function registerPairCommand(program: Command, io: CliIo): void {
  program
    .command('pair')
    .description(
      'Create a simulated KEYRA ONE, have the sandbox certify it, and pair it with a user (WebAuthn registration).',
    )
    .option('--api <url>', `KEYRA server URL (env KEYRA_BASE_URL; default ${DEFAULT_API_URL})`)
    .option(
      '--key <key>',
      'sandbox secret key sk_test_… (env KEYRA_API_KEY); used only to pair, never stored',
    )
    .requiredOption('--user <userId>', 'the user whose challenges this device approves')
    .option('--state <file>', STATE_OPTION_HELP)
    .option('--name <name>', 'a label for the device on the server (1-64 characters)')
    .option('--force', 'replace an existing state file (its device is forgotten, not revoked)')
    .option('--json', 'print only {"deviceId"} on stdout')
    .addHelpText(
      'after',
      '\nExample:\n  keyra-device pair --api http://127.0.0.1:8787 --key sk_test_… --user usr_8f2a --json',
    )
    .action(async (flags: PairFlags) => {
      const api = parseApiUrl(flags.api ?? (io.env.KEYRA_BASE_URL || DEFAULT_API_URL));
      const key = flags.key ?? (io.env.KEYRA_API_KEY || undefined);
      if (!key) {
        throw new CliError(
          'pairing needs a sandbox key: pass --key sk_test_… or set KEYRA_API_KEY (create one with: keyra keys create --env sandbox)',
        );
      }
      if (flags.user.trim() === '') throw new CliError('--user must not be empty');
      if (flags.name !== undefined && (flags.name.length < 1 || flags.name.length > 64)) {
        throw new CliError('--name must be 1 to 64 characters');
      }
      const statePath = resolveStatePath(flags.state, io.cwd, io.env);
      if (!flags.force && (await stateExists(statePath))) {
        throw new CliError(
          `${statePath} already holds a device: pass --force to replace it, or --state FILE for another device`,
        );
      }

      const keyra = connect(io, api, key);
      let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
      io.stderr(`Provisioning a simulated KEYRA ONE at ${api}…\n`);
      const { certificateChain } = await keyra.simulator.createAttestationCertificate({
        publicKey: getAttestationPublicKey(state),
        aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      });
      state = provisionAttestationCertificate(state, certificateChain);

      // The contract types only `challenge`; the server sends complete WebAuthn creation options.
      const creation = (await keyra.credentials.registrationOptions({
        userId: flags.user,
        displayName: flags.user,
      })) as PublicKeyCredentialCreationOptionsJSON;
      const rpId = creation.rp.id;
      if (!rpId)
        throw new CliError(`${api} sent creation options without rp.id: is it a KEYRA server?`);
      const made = makeCredential(state, creation, { origin: KEYRA_ONE_ORIGIN });
      const device = await keyra.credentials.verifyRegistration({
        userId: flags.user,
        response: made.response,
        ...(flags.name !== undefined ? { name: flags.name } : {}),
      });

      await withStateLock(statePath, () =>
        saveAuthenticatorState(statePath, {
          ...made.state,
          pairing: {
            api,
            deviceId: device.deviceId,
            userId: flags.user,
            rpId,
            credentialId: made.response.id,
            pairedAt: formatTimestamp(Math.floor(io.now() / 1000) * 1000),
          },
        }),
      );
      io.stderr(
        `Paired ${device.deviceId} with user ${flags.user}; state saved to ${statePath} (mode 0600).\n`,
      );
      io.stdout(flags.json ? jsonLine({ deviceId: device.deviceId }) : `${device.deviceId}\n`);
    });
}

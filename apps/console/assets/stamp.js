// Shows a stamp (the public receipt of a verification: proof hash, time, method, EAS attestation)
// and checks what a browser can check with @keyra/sdk's `stamps.verify`: its signature against
// the JWKS, that its claims are its fields, that it commits to the proof on screen; and that its
// attester is this server's.

import { ProofVerificationError } from '../sdk/index.js';
import { decodeJws } from './jws.js';
import { addCheck, h, showJson } from './ui.js';

/** @param {Record<string, any> | null} onchain @param {Record<string, any> | null} published */
function describeOnchain(onchain, published) {
  if (!onchain) {
    return published?.eas?.onchain
      ? 'Not mirrored: on-chain stamps are for tenants on the Production and Scale plans (sandbox stamps only with KEYRA_EAS_MIRROR_SANDBOX).'
      : 'Not mirrored: this server has no chain configured (KEYRA_EAS_RPC_URL).';
  }
  const parts = [`${onchain.status} on chain ${onchain.chain_id}`];
  if (onchain.tx_hash) parts.push(`tx ${onchain.tx_hash}`);
  if (onchain.uid) parts.push(`attestation ${onchain.uid}`);
  if (onchain.status !== 'confirmed') parts.push(`${onchain.attempts} attempt(s)`);
  if (onchain.last_error) parts.push(`last error: ${onchain.last_error}`);
  return parts.join(' · ');
}

/**
 * Fills `container` with the stamp's facts, a link to its public page `/v1/stamps/:id`, checks,
 * and its JSON.
 * @param {HTMLElement} container
 * @param {Record<string, any>} stamp a stamp as the API returns it
 * @param {{
 *   proof?: string | null,
 *   keyra: import('../sdk/index.js').Keyra,
 *   published: Record<string, any> | null,
 * }} context the proof the stamp should commit to (when the page has it), the client that
 *   verifies (its JWKS cache), and `/.well-known/keyra-stamps.json`
 * @returns {Promise<boolean>} whether every check passed
 */
export async function renderStamp(container, stamp, { proof = null, keyra, published }) {
  const link = h('a', {
    href: `/v1/stamps/${encodeURIComponent(stamp.stamp_id)}`,
    textContent: stamp.stamp_id,
    target: '_blank',
    rel: 'noopener',
  });
  const eas = stamp.eas ?? {};
  const offchain = eas.offchain;
  /** @type {Array<[string, string, Node | string]>} field, label, value */
  const facts = [
    ['stamp_id', 'Stamp', link],
    [
      'proof_sha256',
      'Proof SHA-256',
      h('code', { className: 'break', textContent: stamp.proof_sha256 }),
    ],
    ['issued_at', 'Issued', stamp.issued_at],
    ['method', 'Method', stamp.method],
    ['environment', 'Environment', stamp.environment],
    [
      'attester',
      'EAS attester',
      h('code', { className: 'break', textContent: eas.attester ?? 'none' }),
    ],
    [
      'offchain',
      'Off-chain',
      offchain
        ? h('span', {}, [
            'EAS attestation (EIP-712) signed by the attester, uid ',
            h('code', { className: 'break', textContent: String(offchain.sig?.uid ?? '?') }),
          ])
        : 'none: the server runs without the optional EAS packages',
    ],
    ['onchain', 'On-chain', describeOnchain(eas.onchain ?? null, published)],
  ];
  const list = h('dl', { className: 'facts stamp-facts' });
  for (const [field, label, value] of facts)
    list.append(h('dt', { textContent: label }), h('dd', { 'data-field': field }, [value]));

  const checks = h('ul', { className: 'checks' });
  const json = h('pre', { className: 'break' });
  showJson(json, stamp);
  container.replaceChildren(
    h('h3', { textContent: 'Stamp: the public receipt' }),
    h('p', {
      className: 'hint',
      textContent:
        'Anyone with the stamp id can fetch it without a key. It names no user, tenant, action or payload.',
    }),
    list,
    checks,
    h('details', {}, [
      h('summary', {}, ['JSON of ', h('code', { textContent: 'GET /v1/stamps/:id' })]),
      json,
    ]),
  );
  container.hidden = false;

  // One call checks it all; each thing it established is listed, or the first that failed.
  let allPassed = true;
  try {
    await keyra.stamps.verify(stamp, proof ? { proof } : {});
    const { header } = decodeJws(stamp.signature);
    addCheck(
      checks,
      true,
      `The stamp's signature verified with key ${String(header.kid)} from /.well-known/jwks.json.`,
    );
    addCheck(checks, true, 'typ is keyra-stamp+jwt (a stamp cannot pass for a proof)');
    addCheck(checks, true, 'signed claims equal the fields shown (id, hash, time, method, env)');
    if (proof) addCheck(checks, true, 'proof_sha256 is the SHA-256 of the proof above');
  } catch (error) {
    if (!(error instanceof ProofVerificationError)) throw error;
    allPassed = addCheck(checks, false, `The stamp does not verify: ${error.message}`);
  }
  const publishedAttester = published?.eas?.attester;
  if (publishedAttester && eas.attester) {
    allPassed =
      addCheck(
        checks,
        publishedAttester.toLowerCase() === eas.attester.toLowerCase() &&
          (!offchain || offchain.signer.toLowerCase() === eas.attester.toLowerCase()),
        "the attester is this server's, from /.well-known/keyra-stamps.json (its EIP-712 signature is checked with the EAS SDK, see docs/stamps.md)",
      ) && allPassed;
  }
  return allPassed;
}

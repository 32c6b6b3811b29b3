import { createHash } from 'node:crypto';
import type { EpochMs } from '@keyra/core';
import { x509 } from './internal/x509.js';

/** Options of {@link verifyAttestationChain}. */
export interface VerifyAttestationChainOptions {
  /** The attestation statement's `x5c`: DER certificates, leaf first, optionally ending at a root. */
  x5c: readonly Uint8Array[];
  /** The roots this environment trusts, as PEM (sandbox: the simulator root; production: configured roots). */
  trustedRootsPem: readonly string[];
  /** The instant to check validity periods at. */
  now: EpochMs;
}

/** The outcome of {@link verifyAttestationChain}. */
export interface AttestationChainResult {
  /** Whether the chain leads, with valid signatures, periods and CA constraints, to a trusted root. */
  trusted: boolean;
  /** SHA-256 (lowercase hex) of the DER of the root the chain ends at, when trusted. */
  rootFingerprint?: string;
  /** Why the chain is not trusted, for logs and the device record. */
  reason?: string;
}

/** More than this is not an attestation chain but an attack on the verifier's time. */
const MAX_CHAIN_LENGTH = 5;

// Extensions whose meaning this verifier enforces or may safely ignore. RFC 5280 §4.2: a
// certificate with any other critical extension must be rejected.
const UNDERSTOOD_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.17', // subjectAltName
  '1.3.6.1.4.1.45724.1.1.4', // id-fido-gen-ce-aaguid
]);

/**
 * Checks that an attestation certificate chain (`x5c` of a `packed` statement) leads to one of
 * `trustedRootsPem`: each certificate is signed by the next (the last by a trusted root), every
 * certificate including the root is within its validity period at `now`, every issuer is a CA
 * (basic constraints CA:true, keyCertSign when key usage is present, path length respected), the
 * leaf is not a CA, and no certificate carries a critical extension this verifier does not
 * understand.
 *
 * Untrusted chains are an expected outcome, not an error: the result says `trusted: false` with a
 * `reason`. A malformed *trusted root* is a configuration error and throws.
 *
 * The server must call this itself: `@simplewebauthn/server` checks the `packed` signature and the
 * leaf's fields, but its root store is one process-wide list per format (see docs/trust-model.md).
 */
export async function verifyAttestationChain(
  options: VerifyAttestationChainOptions,
): Promise<AttestationChainResult> {
  const roots = options.trustedRootsPem.map((pem, i) => {
    try {
      return new x509.X509Certificate(pem);
    } catch (cause) {
      throw new TypeError(`trusted root #${i} is not a PEM certificate`, { cause });
    }
  });
  if (options.x5c.length === 0) return untrusted('no attestation certificate (self attestation)');
  if (options.x5c.length > MAX_CHAIN_LENGTH) return untrusted('attestation chain too long');

  let chain: x509.X509Certificate[];
  try {
    chain = options.x5c.map((der) => new x509.X509Certificate(Buffer.from(der)));
  } catch {
    return untrusted('malformed certificate in x5c');
  }
  const now = new Date(options.now);

  const leafConstraints = chain[0]!.getExtension(x509.BasicConstraintsExtension);
  if (leafConstraints?.ca) return untrusted('leaf certificate is a CA');

  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i]!;
    const problem = periodProblem(cert, now) ?? criticalExtensionProblem(cert);
    if (problem) return untrusted(`certificate #${i}: ${problem}`);

    const anchor = roots.find((root) => sameCertificate(root, cert));
    if (anchor) {
      // The sender included a trusted root itself; the path ends here.
      if (i === 0) return untrusted('leaf certificate is a trusted root');
      return trusted(anchor);
    }

    const next = chain[i + 1];
    if (next) {
      const issuerProblem = await issuedByProblem(cert, next, i);
      if (issuerProblem) return untrusted(`certificate #${i}: ${issuerProblem}`);
      continue;
    }

    // The last certificate sent: a trusted root must have issued it.
    for (const root of roots) {
      if ((await issuedByProblem(cert, root, i)) !== null) continue;
      const rootProblem = periodProblem(root, now) ?? criticalExtensionProblem(root);
      if (rootProblem) return untrusted(`trusted root: ${rootProblem}`);
      return trusted(root);
    }
    return untrusted('chain does not lead to a trusted root');
  }
  return untrusted('chain does not lead to a trusted root');
}

function trusted(root: x509.X509Certificate): AttestationChainResult {
  const fingerprint = createHash('sha256').update(Buffer.from(root.rawData)).digest('hex');
  return { trusted: true, rootFingerprint: fingerprint };
}

function untrusted(reason: string): AttestationChainResult {
  return { trusted: false, reason };
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

function periodProblem(cert: x509.X509Certificate, now: Date): string | null {
  if (now < cert.notBefore) return 'not yet valid';
  if (now > cert.notAfter) return 'expired';
  return null;
}

function criticalExtensionProblem(cert: x509.X509Certificate): string | null {
  const unknown = cert.extensions.find(
    (ext) => ext.critical && !UNDERSTOOD_EXTENSIONS.has(ext.type),
  );
  return unknown ? `unsupported critical extension ${unknown.type}` : null;
}

/**
 * Why `issuer` cannot have issued `cert`, or `null` when it did. `depth` is the number of
 * intermediate CA certificates between `issuer` and the leaf, which its path length limits.
 */
async function issuedByProblem(
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate,
  depth: number,
): Promise<string | null> {
  const issuerName = Buffer.from(issuer.subjectName.toArrayBuffer());
  if (!Buffer.from(cert.issuerName.toArrayBuffer()).equals(issuerName)) {
    return 'issuer name does not match the next certificate';
  }
  const constraints = issuer.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) return 'issuer is not a CA';
  if (constraints.pathLength !== undefined && depth > constraints.pathLength) {
    return 'issuer path length exceeded';
  }
  const usage = issuer.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    return 'issuer may not sign certificates';
  }
  const ok = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  return ok ? null : 'bad signature';
}

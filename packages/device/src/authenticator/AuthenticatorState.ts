/** One credential (passkey) a simulated KEYRA ONE holds. */
export interface StoredCredential {
  /** Credential id, base64url. */
  credentialId: string;
  /** The relying party the credential is scoped to. */
  rpId: string;
  /** The user handle (`user.id` of the creation options), base64url. */
  userHandle: string;
  /** The credential's P-256 private key, PKCS#8 PEM. */
  privateKey: string;
  /** The signature counter: the value of the last assertion (0 after registration). */
  signCount: number;
}

/**
 * Everything a simulated KEYRA ONE knows, as plain JSON. Functions take a state and return a new
 * one; nothing is mutated. Persist it with {@link saveAuthenticatorState} (mode 0600): it holds
 * private keys.
 */
export interface AuthenticatorState {
  /** Format version of this object. */
  version: 1;
  /** The device model's AAGUID, lowercase UUID text. */
  aaguid: string;
  /** The attestation private key (P-256), PKCS#8 PEM. */
  attestationPrivateKey: string;
  /**
   * The attestation certificate chain, PEM, leaf first. Empty until the device is provisioned; an
   * unprovisioned device signs its registrations with self attestation, which no root trusts.
   */
  attestationCertificateChain: string[];
  credentials: StoredCredential[];
}

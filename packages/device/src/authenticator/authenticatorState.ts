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
  /**
   * Which KEYRA server this device is paired with, written by `keyra-device pair`. Absent on a
   * device that has not paired (or is only used as a library).
   */
  pairing?: DevicePairing;
}

/**
 * A simulated KEYRA ONE's link to one KEYRA server: where it is, what the server calls the device,
 * and which credential answers for it. Holds no tenant key: after pairing, the device signs in to
 * the device API with its own credential.
 */
export interface DevicePairing {
  /** Base URL of the KEYRA server, e.g. `http://127.0.0.1:8787` (no trailing slash). */
  api: string;
  /** The server's id for this device (`dev_…`). */
  deviceId: string;
  /** The user the device approves for. */
  userId: string;
  /** The relying party the device credential is registered for. */
  rpId: string;
  /** The credential (base64url id) that signs approvals; one of `credentials`. */
  credentialId: string;
  /** When the pairing completed, RFC 3339. */
  pairedAt: string;
  /**
   * The current device-API session, reused until shortly before it expires so that each command
   * does not spend a signature (and a counter step) on signing in.
   */
  session?: { token: string; expiresAt: string };
}

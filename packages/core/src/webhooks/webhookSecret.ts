import { systemRandom, type RandomBytes } from '../ids.js';
import type { SecretBox } from '../secrets/createSecretBox.js';

/**
 * Makes endpoint signing secrets and seals them at rest. The server passes its `webhook-secrets`
 * {@link SecretBox}; the endpoint id is the associated data, so a sealed secret copied to another
 * row does not open.
 */
export interface WebhookSecretDeps {
  /** The box for webhook secrets (the server's `createWebhookSecretBox`). */
  box: SecretBox;
  random?: RandomBytes;
}

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export function generateWebhookSecret(random: RandomBytes = systemRandom): string {
  return `whsec_${Buffer.from(random(32)).toString('base64')}`;
}

/** A new secret for `endpointId`, in clear (shown once) and sealed (stored). */
export function newSealedSecret(
  endpointId: string,
  deps: WebhookSecretDeps,
): { secret: string; sealed: string } {
  const secret = generateWebhookSecret(deps.random ?? systemRandom);
  return { secret, sealed: deps.box.seal(secret, endpointId) };
}

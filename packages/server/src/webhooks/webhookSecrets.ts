import { createSecretBox, type SecretBox, type WebhookEndpointRecord } from '@keyra/core';

/** Seals endpoint secrets at rest; the endpoint id is the associated data. */
export function createWebhookSecretBox(serverSecret: Buffer): SecretBox {
  return createSecretBox(serverSecret, 'webhook-secrets');
}

/** The secrets a delivery is signed with at `now`: the current one, plus the previous during a rotation. */
export function signingSecrets(
  endpoint: WebhookEndpointRecord,
  box: SecretBox,
  now: number,
): string[] {
  const secrets = [box.open(endpoint.sealedSecret, endpoint.id).toString('utf8')];
  if (
    endpoint.sealedPreviousSecret &&
    endpoint.previousSecretExpiresAt !== null &&
    endpoint.previousSecretExpiresAt > now
  ) {
    secrets.push(box.open(endpoint.sealedPreviousSecret, endpoint.id).toString('utf8'));
  }
  return secrets;
}

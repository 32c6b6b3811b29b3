import { KeyraError } from '../errors.js';

/** Why a webhook URL was refused: a short `reason` code and a sentence. */
export interface WebhookUrlRefusal {
  reason: string;
  message: string;
}

/**
 * Decides whether the server may call a webhook URL (scheme, resolved addresses: the SSRF guard).
 * The server implements it over its safe fetch; it returns null for an acceptable URL.
 */
export interface WebhookUrlGuard {
  check(url: string): Promise<WebhookUrlRefusal | null>;
}

/** Throws `invalid_webhook_url` (400) if `guard` refuses `url`. */
export async function assertWebhookUrl(guard: WebhookUrlGuard, url: string): Promise<void> {
  const refusal = await guard.check(url);
  if (refusal) {
    throw new KeyraError(
      'invalid_webhook_url',
      `The webhook URL was refused: ${refusal.message}.`,
      {
        details: [{ field: 'url', issue: refusal.reason }],
      },
    );
  }
}

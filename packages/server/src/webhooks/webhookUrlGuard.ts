import type { WebhookUrlGuard } from '@keyra/core';
import { checkOutboundUrl, SafeFetchError } from '../net/safeFetch.js';

/**
 * The SSRF guard for configured webhook URLs: the checks a delivery makes before connecting
 * (https only, no credentials, public addresses only). In dev mode http and loopback are allowed,
 * so a receiver on the same machine works.
 */
export function createWebhookUrlGuard(options: { dev: boolean }): WebhookUrlGuard {
  return {
    async check(url) {
      try {
        await checkOutboundUrl(url, { allowHttp: options.dev, allowLoopback: options.dev });
        return null;
      } catch (error) {
        if (!(error instanceof SafeFetchError)) throw error;
        return { reason: error.reason, message: error.message };
      }
    },
  };
}

import type { RequestOptions, Transport } from '../client.js';
import type { UsageParams, UsageReport } from '../types.js';

/** Metered verifications, free credits and overage (`/v1/usage`). */
export class Usage {
  constructor(private readonly transport: Transport) {}

  /**
   * Verifications per UTC day from `from` to `to` (`YYYY-MM-DD`, inclusive; default the first
   * of this month to today; at most 366 days) in the key's environment, with the tenant's
   * credits and overage across both environments. A bad range throws `InvalidRequestError`
   * (`invalid_usage_range`).
   */
  retrieve(params: UsageParams = {}, options?: RequestOptions): Promise<UsageReport> {
    return this.transport.request({ method: 'GET', path: '/v1/usage', query: params, options });
  }
}

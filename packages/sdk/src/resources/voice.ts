import type { RequestOptions, Transport } from '../client.js';
import type {
  Enrollment,
  EnrollmentStatus,
  EnrollParams,
  IssuedPhrase,
  ListVerifyLogsParams,
  PhraseParams,
  VerifyLogList,
  VoiceVerifyParams,
  VoiceVerifyResult,
} from '../types.js';

/** The Keywave voice API (`/api/v1`, authenticated with `x-api-key`): phrase → enroll → verify. */
export class Voice {
  constructor(private readonly transport: Transport) {}

  /** A one-time phrase (120 s) for `wallet` to speak in the next `verify`. */
  phrase(params: PhraseParams, options?: RequestOptions): Promise<IssuedPhrase> {
    return this.voice('POST', '/api/v1/phrase', params, options);
  }

  /** Enrols (or replaces) the wallet's voice template from `audioUrl` or `audioBase64`. */
  enroll(params: EnrollParams, options?: RequestOptions): Promise<Enrollment> {
    return this.voice('POST', '/api/v1/enroll', params, options);
  }

  /** Checks a recording of the phrase; `verified` is true only when every gate passes. */
  verify(params: VoiceVerifyParams, options?: RequestOptions): Promise<VoiceVerifyResult> {
    return this.voice('POST', '/api/v1/verify', params, options);
  }

  /** What is enrolled for a wallet (method, projection, versions, dates; never the template). */
  enrollment(wallet: string, options?: RequestOptions): Promise<EnrollmentStatus> {
    return this.transport.request({
      method: 'GET',
      path: `/api/v1/enrollments/${encodeURIComponent(wallet)}`,
      auth: 'x-api-key',
      options,
    });
  }

  /** The verification log, newest first. */
  verifyLogs(params: ListVerifyLogsParams = {}, options?: RequestOptions): Promise<VerifyLogList> {
    return this.transport.request({
      method: 'GET',
      path: '/api/v1/verify_logs',
      query: params as Record<string, string | number | boolean | undefined>,
      auth: 'x-api-key',
      options,
    });
  }

  private voice<T>(
    method: 'POST',
    path: string,
    body: unknown,
    options: RequestOptions | undefined,
  ): Promise<T> {
    return this.transport.request({ method, path, body, auth: 'x-api-key', options });
  }
}

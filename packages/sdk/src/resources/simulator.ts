import type { RequestOptions, Transport } from '../client.js';
import type { AttestationCertificate, CreateAttestationCertificateParams } from '../types.js';

/** The KEYRA ONE simulator's "factory" (`/v1/simulator`), in sandbox only. */
export class Simulator {
  constructor(private readonly transport: Transport) {}

  /**
   * Certifies a simulator's attestation public key (SPKI PEM) with the simulator root, which
   * only sandbox trusts: `{certificateChain: [leaf, root]}`. A production key gets
   * `PermissionDeniedError` (`forbidden_environment`).
   */
  createAttestationCertificate(
    params: CreateAttestationCertificateParams,
    options?: RequestOptions,
  ): Promise<AttestationCertificate> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/simulator/attestation-certificates',
      body: params,
      options,
    });
  }
}

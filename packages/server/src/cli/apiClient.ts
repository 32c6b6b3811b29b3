import { AuthenticationError, ConnectionError, Keyra, KeyraError } from '@keyra/sdk';
import { CliError } from './cliError.js';

/** Help text for commands that talk to a running server through the API. */
export const API_ENV_HELP =
  '\nEnvironment: KEYRA_API_KEY (required: the tenant and environment come from the key), KEYRA_BASE_URL (default http://127.0.0.1:8787).';

/**
 * The SDK client of the CLI's API commands (`challenges`, `events`, `webhooks`, `listen`), from
 * KEYRA_API_KEY and KEYRA_BASE_URL; a missing key is a readable error with the fix.
 */
export function apiClient(options: { maxRetries?: number } = {}): Keyra {
  const apiKey = process.env.KEYRA_API_KEY;
  if (!apiKey) {
    throw new CliError(
      'KEYRA_API_KEY is not set: export a secret key (sk_test_… or sk_live_…; create one with keyra keys create --env sandbox).',
    );
  }
  return new Keyra({
    apiKey,
    ...(process.env.KEYRA_BASE_URL ? { baseUrl: process.env.KEYRA_BASE_URL } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
}

/** Runs an API call, turning the SDK's errors into one readable CLI line. */
export async function callApi<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AuthenticationError) {
      throw new CliError(
        'The server refused KEYRA_API_KEY (invalid_api_key): check the key and the server it belongs to.',
      );
    }
    if (error instanceof ConnectionError)
      throw new CliError(`${error.message} Is keyra serve running there?`);
    if (error instanceof KeyraError)
      throw new CliError(`${error.message} (${error.code ?? 'error'}${fieldsOf(error.details)})`);
    throw error;
  }
}

/** The fields a 400 names (`details: [{field, issue}]`), so a CLI user sees which one to fix. */
function fieldsOf(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const fields = details
    .map((item: unknown) =>
      typeof item === 'object' && item !== null && 'field' in item
        ? `${String(item.field)}${'issue' in item ? `: ${String(item.issue)}` : ''}`
        : null,
    )
    .filter((text): text is string => text !== null);
  return fields.length > 0 ? `; ${fields.join(', ')}` : '';
}

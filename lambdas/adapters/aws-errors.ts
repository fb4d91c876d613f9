import { DependencyUnavailableError } from '../domain/errors';

/** Errors a later call may not hit: throttling, server faults, and the network. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'KMSThrottlingException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  // The SDK reports a refused connection with no HTTP status at all.
  if (status === undefined && e.$metadata !== undefined) return true;
  return e.cause !== undefined && isTransient(e.cause);
}

/** Runs an AWS call, turning transient failures into DependencyUnavailableError (503 at the API). */
export async function callAws<T>(dependency: 'dynamodb' | 'sqs' | 'kms', fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isTransient(error)) throw new DependencyUnavailableError(dependency, { cause: error });
    throw error;
  }
}

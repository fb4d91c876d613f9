/**
 * Typed errors. Each knows whether retrying can help and which HTTP status it maps to at the API edge.
 * Only the `message` and `fields` of 4xx errors reach callers; 5xx details stay in the logs.
 */

export interface FieldIssue {
  /** Dotted path of the offending field, `''` for the body itself. */
  readonly field: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
}

/** The request body is not JSON, or not UTF-8. */
export class MalformedRequestError extends AppError {
  override readonly name = 'MalformedRequestError';
  readonly status = 400;
  readonly code = 'malformed_request';
}

export class PayloadTooLargeError extends AppError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload_too_large';
  constructor(
    readonly limitBytes: number,
    message = `Request body exceeds ${limitBytes} bytes`,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  readonly status = 422;
  readonly code = 'validation_failed';
  constructor(readonly fields: readonly FieldIssue[]) {
    super(fields.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; '));
  }

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'not_found';
}

export class MethodNotAllowedError extends AppError {
  override readonly name = 'MethodNotAllowedError';
  readonly status = 405;
  readonly code = 'method_not_allowed';
  constructor(readonly allow: readonly string[]) {
    super(`Method not allowed; allowed: ${allow.join(', ')}`);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly code = 'conflict';
}

/** DynamoDB or SQS could not be reached or refused the call; the caller should retry (same `id`). */
export class DependencyUnavailableError extends AppError {
  override readonly name = 'DependencyUnavailableError';
  readonly status = 503;
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: 'dynamodb' | 'sqs' | 'kms',
    options?: { cause?: unknown; detail?: string },
  ) {
    super(
      `${dependency} is unavailable${options?.detail ? `: ${options.detail}` : ''}`,
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
  }
}

/**
 * A sealed signing secret that can never be opened as it stands: its key is disabled, scheduled for
 * deletion or not ours, access to it is denied, or the stored value was altered or copied from another
 * endpoint. Permanent: the delivery that needed it ends `failed` with this message as the reason (a
 * passing KMS outage is a DependencyUnavailableError instead, and the message is retried).
 */
export class SecretUnreadableError extends Error {
  override readonly name = 'SecretUnreadableError';
}

/** Invalid service configuration; thrown at start, never at request time. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A queue message that can never be processed (unparseable, or its delivery record is gone).
 * Reported as a batch item failure so the redrive policy moves it to the DLQ.
 */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/** No credentials, or they do not hold (a portal token missing, expired, altered or of another service). */
export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly code = 'unauthorized';
}

/** Valid credentials that do not reach what was asked (a tenant token naming another tenant). */
export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly code = 'forbidden';
}

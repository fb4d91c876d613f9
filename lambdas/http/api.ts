import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AppError, MalformedRequestError, PayloadTooLargeError, ValidationError } from '../domain/errors';
import type { Log } from '../observability';

/** Largest accepted request body (the event payload limit). */
export const MAX_BODY_BYTES = 256 * 1024;

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** Maps typed errors to responses. Only 4xx details reach the caller; anything else is a bare 500/503. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof AppError) {
    const body: Record<string, unknown> = { code: error.code, message: error.message };
    if (error instanceof ValidationError) body.fields = error.fields;
    if (error.status >= 500)
      body.message = 'A dependency is unavailable; retry the request (with the same id).';
    const headers: Record<string, string> = {};
    if ('allow' in error && Array.isArray(error.allow)) headers.Allow = error.allow.join(', ');
    if (error.status === 503) headers['Retry-After'] = '1';
    return json(error.status, { error: body }, headers);
  }
  return json(500, { error: { code: 'internal_error', message: 'Internal error' } });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body is sent as something other than JSON (`content-type` is not `application/json`). */
export class UnsupportedMediaTypeError extends AppError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

/** `application/json` and `application/<anything>+json`; a charset, when given, must be UTF-8. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

type HeaderMaps = Partial<Pick<APIGatewayProxyEvent, 'headers' | 'multiValueHeaders'>>;

/** Every value of a header, matched without regard to case (API Gateway keeps the sender's case). */
function headerValues(event: HeaderMaps, name: string): string[] {
  const values: string[] = [];
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === name && Array.isArray(list)) values.push(...list);
  }
  if (values.length > 0) return values;
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') values.push(value);
  }
  return values;
}

/**
 * 415 unless every `content-type` given is JSON in UTF-8. No `content-type` at all is read as JSON: some
 * clients send none, and the body is still checked to be JSON.
 */
export function assertJsonContentType(event: HeaderMaps): void {
  for (const value of headerValues(event, 'content-type')) {
    const [type = '', ...params] = value.split(';').map((part) => part.trim());
    if (!JSON_MEDIA_TYPE.test(type.toLowerCase())) {
      throw new UnsupportedMediaTypeError(
        `content-type must be application/json, got "${value.slice(0, 100)}"`,
      );
    }
    for (const param of params) {
      const [key = '', raw = ''] = param.split('=').map((part) => part.trim());
      const charset = raw.replace(/^"|"$/g, '').toLowerCase();
      if (key.toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
        throw new UnsupportedMediaTypeError(`content-type charset must be utf-8, got "${raw.slice(0, 40)}"`);
      }
    }
  }
}

/**
 * The request body as JSON: 415 when `content-type` says it is something else, 413 past the size limit
 * (before parsing), 400 when it is not UTF-8 or not JSON. Handles API Gateway's base64 form for binary
 * payloads.
 */
export function readJsonBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'> & HeaderMaps,
  maxBytes = MAX_BODY_BYTES,
): unknown {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new MalformedRequestError('Request body is required (a JSON object)');
  }
  assertJsonContentType(event);
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new MalformedRequestError('Request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedRequestError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A query-string value, rejecting a parameter given twice (ambiguous). */
export function queryParam(event: APIGatewayProxyEvent, name: string): string | undefined {
  const own = <T>(map: Record<string, T> | null | undefined): T | undefined =>
    map && Object.hasOwn(map, name) ? map[name] : undefined;
  const multi = own(event.multiValueQueryStringParameters);
  if (Array.isArray(multi) && multi.length > 1) throw ValidationError.of(name, 'must be given once');
  const value = own(event.queryStringParameters);
  return typeof value === 'string' ? value : undefined;
}

/** Ids this service issues (`ep_...`, `dlv_...`): anything else cannot exist, and must not reach a key. */
const RESOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isResourceId(id: string): boolean {
  return RESOURCE_ID.test(id);
}

/** middy middleware: every thrown error becomes a JSON error response; unexpected ones are logged. */
export function httpErrors(
  logger: Pick<Log, 'error'>,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (!(error instanceof AppError) || error.status >= 500) {
        logger.error('request failed', {
          error:
            error instanceof Error
              ? { name: error.name, message: error.message, cause: String(error.cause ?? '') }
              : String(error),
          path: request.event.path,
          method: request.event.httpMethod,
        });
      }
      request.response = errorResponse(error);
    },
  };
}

/**
 * Portal tokens: short-lived HS256 JWTs (jose) that name one tenant, or `*` for the operator. Signed and
 * verified with a key that never leaves the service (derived from a KMS HMAC key on AWS, a key file
 * locally), so checking one needs no database read. Pure: the key comes in from the caller.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ForbiddenError, UnauthorizedError, ValidationError } from './errors';
import type { Clock } from './ports';

/** The audience and issuer every portal token carries: a JWT minted for something else never passes. */
const AUDIENCE = 'webhooks-portal';
const ISSUER = 'webhooks-service';
/** The tenant of an operator token: it sees every tenant. */
export const OPERATOR = '*';
export const MIN_TTL_SECONDS = 60;
export const DEFAULT_TTL_SECONDS = 3600;

export interface PortalClaims {
  /** The tenant the token acts for, or `*` (operator). */
  readonly tenantId: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface PortalTokens {
  mint(tenantId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: string }>;
  /** The token's claims; UnauthorizedError (saying why) when it is missing, expired or altered. */
  verify(token: string | undefined): Promise<PortalClaims>;
  /** Longest TTL a token may be minted with (the PORTAL_TOKEN_MAX_TTL setting), in seconds. */
  readonly maxTtlSeconds: number;
}

/** The message a page shows: the token is no longer good, sign in again. */
export const EXPIRED_MESSAGE = 'The portal token has expired; open a new portal link (sign in again).';

export function makePortalTokens(options: {
  /** The HMAC key, at least 32 bytes; fetched once and kept (a KMS derivation on AWS). */
  readonly key: () => Promise<Uint8Array>;
  readonly clock: Clock;
  readonly maxTtlSeconds: number;
}): PortalTokens {
  let key: Promise<Uint8Array> | undefined;
  const getKey = () => {
    key ??= options.key().catch((error) => {
      key = undefined;
      throw error;
    });
    return key;
  };
  const nowSeconds = () => Math.floor(options.clock.now() / 1000);
  return {
    maxTtlSeconds: options.maxTtlSeconds,
    async mint(tenantId, ttlSeconds) {
      if (
        !Number.isInteger(ttlSeconds) ||
        ttlSeconds < MIN_TTL_SECONDS ||
        ttlSeconds > options.maxTtlSeconds
      ) {
        throw ValidationError.of(
          'ttlSeconds',
          `must be a whole number of seconds from ${MIN_TTL_SECONDS} to ${options.maxTtlSeconds}`,
        );
      }
      const now = nowSeconds();
      const exp = now + ttlSeconds;
      const token = await new SignJWT({ tid: tenantId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(await getKey());
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
    async verify(token) {
      if (!token) throw new UnauthorizedError('A portal token is required: Authorization: Bearer <token>');
      try {
        const { payload } = await jwtVerify(token, await getKey(), {
          algorithms: ['HS256'],
          audience: AUDIENCE,
          issuer: ISSUER,
          currentDate: new Date(options.clock.now()),
          requiredClaims: ['exp', 'tid'],
        });
        if (typeof payload.tid !== 'string' || payload.tid === '') throw new Error('no tenant');
        return { tenantId: payload.tid, expiresAt: payload.exp! };
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError(EXPIRED_MESSAGE);
        throw new UnauthorizedError('The portal token is not valid (altered, or not issued by this service)');
      }
    },
  };
}

/** The token in an `Authorization: Bearer <token>` header value. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The tenant a portal request acts for: the token's own, or for an operator token the one it names. A
 * tenant token naming another tenant is refused (403), so nothing of another tenant is ever read.
 */
export function scopedTenant(claims: PortalClaims, named: string | undefined): string {
  if (claims.tenantId === OPERATOR) {
    if (named === undefined || named === '' || named === OPERATOR)
      throw ValidationError.of('tenantId', 'is required with an operator token (pick a tenant)');
    return named;
  }
  if (named !== undefined && named !== claims.tenantId) {
    throw new ForbiddenError(`This token is for tenant "${claims.tenantId}" only`);
  }
  return claims.tenantId;
}

import { maskSecretHeaders } from './custom-headers';
import type { Attempt, Endpoint, SigningSecret } from './model';
import type { Clock, HttpOutcome, HttpSender } from './ports';
import type { ServiceSettings } from './settings';
import { deliveryHeaders, redactSignature } from './signing';

/** Success is any 2xx; redirects are not followed, so 3xx is a failure like every other status. */
export function isSuccess(outcome: HttpOutcome): boolean {
  return outcome.kind === 'response' && outcome.response.status >= 200 && outcome.response.status < 300;
}

/** Bytes of a response body kept in the log, counted in UTF-8 (invalid bytes decode to 3-byte U+FFFD). */
export const MAX_RESPONSE_BODY_BYTES = 4096;

/** The longest prefix of `text` that is at most `maxBytes` of UTF-8, never cutting a character. */
export function capUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

export interface AttemptDeps {
  readonly http: HttpSender;
  readonly clock: Clock;
  readonly settings: Pick<ServiceSettings, 'brand' | 'signatureScheme' | 'deliveryTimeoutMs'>;
}

export interface AttemptResult {
  readonly attempt: Attempt;
  readonly outcome: HttpOutcome;
  /** Epoch ms the answer (or the error) came. */
  readonly finished: number;
}

/**
 * One attempt: sign the envelope for the endpoint's current secrets, POST it, and describe what happened
 * as the deliveries log records it (headers as sent, signatures and secret-looking custom values masked). The delivery path and nothing
 * else sends requests to receivers.
 */
export async function makeAttempt(
  deps: AttemptDeps,
  input: {
    /** The endpoint with its signing secrets opened (`openSigningSecrets`). */
    readonly endpoint: Pick<Endpoint, 'url' | 'headers'> & { readonly secrets: readonly SigningSecret[] };
    readonly deliveryId: string;
    readonly eventType: string;
    readonly body: string;
    readonly number: number;
  },
): Promise<AttemptResult> {
  const { http, clock, settings } = deps;
  const started = clock.now();
  const headers = deliveryHeaders({
    scheme: settings.signatureScheme,
    brand: settings.brand,
    body: input.body,
    eventType: input.eventType,
    deliveryId: input.deliveryId,
    secrets: input.endpoint.secrets,
    now: started,
    custom: input.endpoint.headers,
  });
  const outcome = await http.post(input.endpoint.url, headers, input.body, settings.deliveryTimeoutMs);
  const finished = clock.now();
  const attempt: Attempt = {
    number: input.number,
    startedAt: new Date(started).toISOString(),
    durationMs: finished - started,
    requestHeaders: redactSignature(maskSecretHeaders(headers), settings.brand),
    ...(outcome.kind === 'response'
      ? {
          responseStatus: outcome.response.status,
          responseBody: capUtf8(outcome.response.body, MAX_RESPONSE_BODY_BYTES),
          ...(isSuccess(outcome) ? {} : { errorClass: 'http_status' as const }),
        }
      : { errorClass: outcome.errorClass, errorMessage: outcome.message }),
  };
  return { attempt, outcome, finished };
}

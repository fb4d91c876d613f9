/**
 * What a signing scheme is: the headers it adds to a request, how the deliveries log masks them, which
 * header names it owns, and what a secret must look like under it. Each scheme is one file in this folder
 * and one line in the registry (`index.ts`).
 */
export interface SignInput {
  /** `HEADER_BRAND`: the brand in header names. */
  readonly brand: string;
  /** The exact bytes sent. */
  readonly body: string;
  readonly deliveryId: string;
  /** The secrets that sign now, oldest first (the current one last); at least one. */
  readonly secrets: readonly string[];
  /** Unix seconds. */
  readonly timestamp: number;
}

export interface SigningScheme {
  /** One line for the settings table: what the headers look like. */
  readonly summary: string;
  /** The headers this scheme adds (the common ones, `Content-Type`, `<Brand>-Event`, `User-Agent`, are not its). */
  sign(input: SignInput): Record<string, string>;
  /** The headers with this scheme's signature values masked, for the deliveries log. */
  redact(headers: Record<string, string>, brand: string): Record<string, string>;
  /** Why a custom header name (lower case) is this scheme's, or undefined when it is not. */
  reserves(lowerName: string, brand: string): string | undefined;
  /** Why a secret an owner brings is unusable under this scheme, or undefined when it is fine. */
  checkSecret?(secret: string): string | undefined;
}

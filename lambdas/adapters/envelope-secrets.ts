/**
 * Envelope encryption of endpoint signing secrets: each secret is encrypted with AES-256-GCM under a data
 * key, and the data key is stored beside it, itself encrypted by a key that never leaves its keeper (KMS
 * on AWS, the local runtime's key file locally: `DataKeySource`). The same code and format run on both.
 *
 * Stored format (one string, every part base64url):
 *
 *     v1.<key id>.<encrypted data key>.<iv (12 bytes)>.<tag (16 bytes)>.<ciphertext>
 *
 * The AES-GCM additional data binds the version, key id, encrypted data key, tenant id and endpoint id,
 * so a value copied to another endpoint, or with any part changed, does not open.
 *
 * Data keys are cached per process: a decrypted data key is kept by its encrypted form (one key-service
 * call per data key per cold start, none per delivery), and sealing reuses one data key for at most
 * `maxSealsPerKey` seals and `maxKeyAgeMs`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretUnreadableError } from '../domain/errors';
import type { SecretBinding, SecretOpener, SecretSealer } from '../domain/ports';

export interface DataKey {
  /** The wrapping key's id as the keeper names it (KMS: the key ARN). */
  readonly keyId: string;
  readonly plaintext: Uint8Array;
  readonly encrypted: Uint8Array;
}

/** Where data keys come from and are unwrapped: KMS (`kms-data-keys.ts`) or a local key (`local-data-keys.ts`). */
export interface DataKeySource {
  /** A new 256-bit data key, in clear and wrapped. */
  generate(): Promise<DataKey>;
  /**
   * Unwraps a data key. Throws SecretUnreadableError when it never will (key disabled, deleted, not
   * ours, value altered), DependencyUnavailableError when the keeper is unavailable for now.
   */
  decrypt(keyId: string, encrypted: Uint8Array): Promise<Uint8Array>;
}

export interface EnvelopeOptions {
  /** @default 1000 */
  readonly maxSealsPerKey?: number;
  /** @default 10 minutes */
  readonly maxKeyAgeMs?: number;
  /** Decrypted data keys kept; the cache is emptied when full. @default 1000 */
  readonly maxCachedKeys?: number;
  readonly now?: () => number;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

function additionalData(keyId: string, edk: string, binding: SecretBinding): Buffer {
  return Buffer.from(JSON.stringify([VERSION, keyId, edk, binding.tenantId, binding.endpointId]), 'utf8');
}

interface Parsed {
  readonly keyId: string;
  readonly edk: string;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

function parse(sealed: string): Parsed {
  const parts = sealed.split('.');
  if (parts[0] !== VERSION) {
    throw new SecretUnreadableError(`the stored secret is not in a known format (${parts[0]?.slice(0, 8)})`);
  }
  if (parts.length !== 6 || parts.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new SecretUnreadableError('the stored secret is malformed');
  }
  const [, kid, edk, iv, tag, ciphertext] = parts as [string, string, string, string, string, string];
  const parsed = {
    keyId: unb64(kid).toString('utf8'),
    edk,
    iv: unb64(iv),
    tag: unb64(tag),
    ciphertext: unb64(ciphertext),
  };
  if (parsed.iv.length !== IV_BYTES || parsed.tag.length !== TAG_BYTES)
    throw new SecretUnreadableError('the stored secret is malformed');
  return parsed;
}

/** Seals and opens secrets; build one per process (it holds the data key caches). */
export class EnvelopeSecrets implements SecretSealer, SecretOpener {
  private readonly maxSeals: number;
  private readonly maxAgeMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;
  private current?: { key: Promise<DataKey>; uses: number; at: number };
  private readonly opened = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly source: DataKeySource,
    options: EnvelopeOptions = {},
  ) {
    this.maxSeals = options.maxSealsPerKey ?? 1000;
    this.maxAgeMs = options.maxKeyAgeMs ?? 10 * 60_000;
    this.maxCached = options.maxCachedKeys ?? 1000;
    this.now = options.now ?? Date.now;
  }

  async seal(secret: string, binding: SecretBinding): Promise<string> {
    const key = await this.sealingKey();
    const kid = b64(Buffer.from(key.keyId, 'utf8'));
    const edk = b64(key.encrypted);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.plaintext, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(key.keyId, edk, binding));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [VERSION, kid, edk, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join('.');
  }

  async open(sealed: string, binding: SecretBinding): Promise<string> {
    const parsed = parse(sealed);
    const dataKey = await this.dataKey(parsed.keyId, parsed.edk);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, parsed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(parsed.keyId, parsed.edk, binding));
      decipher.setAuthTag(parsed.tag);
      return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretUnreadableError(
        'the stored secret does not authenticate (altered, or sealed for another endpoint)',
        { cause: error },
      );
    }
  }

  /** One data key for many seals, replaced after `maxSealsPerKey` seals or `maxKeyAgeMs`. */
  private sealingKey(): Promise<DataKey> {
    const now = this.now();
    const current = this.current;
    if (current && current.uses < this.maxSeals && now - current.at < this.maxAgeMs) {
      current.uses++;
      return current.key;
    }
    const key = this.source.generate().then((k) => {
      // What this process sealed it can open without asking the keeper.
      this.remember(b64(k.encrypted), Promise.resolve(k.plaintext));
      return k;
    });
    const next = { key, uses: 1, at: now };
    this.current = next;
    key.catch(() => {
      if (this.current === next) this.current = undefined;
    });
    return key;
  }

  private dataKey(keyId: string, edk: string): Promise<Uint8Array> {
    const hit = this.opened.get(edk);
    if (hit) return hit;
    const value = this.source.decrypt(keyId, unb64(edk));
    this.remember(edk, value);
    // A failure is not remembered: a key enabled again, or a keeper back up, works on the next try.
    value.catch(() => {
      if (this.opened.get(edk) === value) this.opened.delete(edk);
    });
    return value;
  }

  private remember(edk: string, value: Promise<Uint8Array>): void {
    if (this.opened.size >= this.maxCached) this.opened.clear();
    this.opened.set(edk, value);
  }
}

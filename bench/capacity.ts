/**
 * DynamoDB on-demand read and write units of each request, computed from item sizes with AWS's rules
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 *
 * - write: 1 unit per started KB of the item (an update: the larger of the item before and after);
 * - read: 1 unit per started 4 KB, strongly consistent (half eventually consistent); BatchGetItem rounds
 *   each item, Query the sum of the items returned;
 * - transactions: 2 units per unit of the same non-transactional request;
 * - every GSI whose keys the item has (all GSIs project ALL here): a put of the item (1 unit per KB), a
 *   delete when its keys are removed, and both when they change. Index writes of a transaction are
 *   counted at the transactional rate, as DynamoDB Local does.
 *
 * DynamoDB Local's own `ConsumedCapacity` is kept beside it as a cross-check: it agrees for single-item
 * requests but reports TransactWriteItems as if it held one event and one delivery whatever their number.
 * Item images come from the requests (puts), from `ReturnValues: ALL_NEW` (updates; the bench adds it),
 * and from the items returned (reads).
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/emulators';

export interface IndexKeys {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** ALL (the stack's choice) or KEYS_ONLY (for what-if runs, bench/dynamo-ops.ts). @default 'ALL' */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

type Json = Record<string, unknown>;

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS']);

function isAttributeValue(v: unknown): v is Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && ATTRIBUTE_TYPES.has(keys[0]!);
}

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
  return Math.ceil(Math.max(1, digits) / 2) + 1;
}

/** Size of one value, in AttributeValue form (`{ S: "x" }`) or plain JavaScript (document client). */
export function valueSize(v: unknown): number {
  if (isAttributeValue(v)) {
    if (typeof v.S === 'string') return Buffer.byteLength(v.S);
    if (typeof v.N === 'string') return numberSize(v.N);
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (typeof v.B === 'string') return Buffer.from(v.B, 'base64').length;
    if (Array.isArray(v.L)) return 3 + v.L.reduce((n: number, e) => n + valueSize(e) + 1, 0);
    if (v.M && typeof v.M === 'object') return mapSize(v.M as Json);
    if (Array.isArray(v.SS)) return v.SS.reduce((n: number, e: string) => n + Buffer.byteLength(e), 0);
    if (Array.isArray(v.NS)) return v.NS.reduce((n: number, e: string) => n + numberSize(e), 0);
    return 0;
  }
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberSize(String(v));
  if (typeof v === 'boolean' || v === null) return 1;
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return 3 + v.reduce((n: number, e) => n + valueSize(e) + 1, 0);
  if (v instanceof Set) return [...v].reduce((n: number, e) => n + valueSize(e), 0);
  if (v && typeof v === 'object') return mapSize(v as Json);
  return 0;
}

function mapSize(m: Json): number {
  return 3 + Object.entries(m).reduce((n, [k, e]) => n + Buffer.byteLength(k) + valueSize(e) + 1, 0);
}

export function itemSize(item: Json): number {
  return Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0);
}

function keyValue(v: unknown): string {
  return JSON.stringify(isAttributeValue(v) ? Object.values(v)[0] : v);
}

interface Image {
  readonly size: number;
  /** Index name -> its key values, for the GSIs the item is in. */
  readonly indexes: Map<string, string>;
  /** Size of the table's and the indexes' key attributes (a KEYS_ONLY index entry). */
  readonly keysSize: number;
}

export interface Units {
  read: number;
  write: number;
}

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const fourKb = (bytes: number) => Math.max(1, Math.ceil(bytes / 4096));

export class CapacityModel {
  private readonly images = new Map<string, Image>();

  constructor(private readonly indexes: readonly IndexKeys[]) {}

  private image(item: Json): Image {
    const indexes = new Map<string, string>();
    const keyNames = new Set(['pk', 'sk']);
    for (const index of this.indexes) {
      const pk = item[index.partitionKey];
      const sk = item[index.sortKey];
      if (pk !== undefined && sk !== undefined) indexes.set(index.name, `${keyValue(pk)}|${keyValue(sk)}`);
      keyNames.add(index.partitionKey).add(index.sortKey);
    }
    const keys = Object.fromEntries(Object.entries(item).filter(([k]) => keyNames.has(k)));
    return { size: itemSize(item), indexes, keysSize: itemSize(keys) };
  }

  private static key(table: string, key: Json): string {
    return `${table}|${keyValue(key.pk)}|${keyValue(key.sk)}`;
  }

  /** Write units of replacing `before` (if any) by `after` (undefined: a delete), table and indexes. */
  private writeUnits(before: Image | undefined, after: Image | undefined): number {
    let units = kb(Math.max(before?.size ?? 0, after?.size ?? 0));
    for (const index of this.indexes) {
      const was = before?.indexes.get(index.name);
      const is = after?.indexes.get(index.name);
      const keysOnly = index.projection === 'KEYS_ONLY';
      const entry = (image: Image) => kb(keysOnly ? image.keysSize : image.size);
      if (was !== undefined && is !== undefined) {
        // Same keys: the entry is rewritten only if a projected attribute changed (any, for ALL).
        if (was !== is) units += entry(before!) + entry(after!);
        else if (!keysOnly) units += entry(after!);
      } else if (was !== undefined) units += entry(before!);
      else if (is !== undefined) units += entry(after!);
    }
    return units;
  }

  private put(table: string, item: Json): number {
    const key = CapacityModel.key(table, item);
    const after = this.image(item);
    const units = this.writeUnits(this.images.get(key), after);
    this.images.set(key, after);
    return units;
  }

  /** Units of one request, from its JSON body (AttributeValue form) and the SDK's output. */
  account(op: string, request: Json, output: Json | undefined, failed: boolean): Units {
    const table = typeof request.TableName === 'string' ? request.TableName : '';
    switch (op) {
      case 'PutItem':
        return { read: 0, write: failed ? 1 : this.put(table, request.Item as Json) };
      case 'UpdateItem': {
        const key = CapacityModel.key(table, request.Key as Json);
        const before = this.images.get(key);
        const attributes = output?.Attributes as Json | undefined;
        if (failed || !attributes) return { read: 0, write: kb(before?.size ?? 1) };
        const after = this.image(attributes);
        this.images.set(key, after);
        return { read: 0, write: this.writeUnits(before, after) };
      }
      case 'DeleteItem': {
        const key = CapacityModel.key(table, request.Key as Json);
        const before = this.images.get(key);
        this.images.delete(key);
        return { read: 0, write: failed ? 1 : this.writeUnits(before, undefined) };
      }
      case 'TransactWriteItems': {
        let write = 0;
        for (const entry of (request.TransactItems as Json[]) ?? []) {
          const put = entry.Put as Json | undefined;
          if (put && !failed) write += 2 * this.put(String(put.TableName), put.Item as Json);
          else write += 2;
        }
        return { read: 0, write };
      }
      case 'GetItem': {
        const item = output?.Item as Json | undefined;
        const units = fourKb(item ? itemSize(item) : 0);
        return { read: request.ConsistentRead ? units : units / 2, write: 0 };
      }
      case 'BatchGetItem': {
        let read = 0;
        const requested = (request.RequestItems as Record<string, Json>) ?? {};
        const responses = (output?.Responses as Record<string, Json[]>) ?? {};
        for (const [name, items] of Object.entries(responses)) {
          const factor = requested[name]?.ConsistentRead ? 1 : 0.5;
          for (const item of items) read += fourKb(itemSize(item)) * factor;
        }
        return { read, write: 0 };
      }
      case 'Query':
      case 'Scan': {
        const items = (output?.Items as Json[]) ?? [];
        const units = fourKb(items.reduce((n, i) => n + itemSize(i), 0));
        return { read: request.ConsistentRead ? units : units / 2, write: 0 };
      }
      default:
        return { read: 0, write: 0 };
    }
  }
}

/** Average item size by kind (our items' `kind`; the baseline's by key prefix), bytes. */
export async function averageItemSizes(
  dynamoEndpoint: string,
  table: string,
): Promise<Record<string, number>> {
  const client = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const sums = new Map<string, { bytes: number; n: number }>();
    let start: Record<string, never> | undefined;
    for (let page = 0; page < 100; page++) {
      const out = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        const pk = (item.pk as { S?: string } | undefined)?.S ?? '';
        const kind =
          (item.kind as { S?: string } | undefined)?.S ??
          (pk.startsWith('EV#') ? 'event' : pk.startsWith('DL#') ? 'delivery' : 'other');
        const s = sums.get(kind) ?? { bytes: 0, n: 0 };
        s.bytes += itemSize(item as Record<string, unknown>);
        s.n++;
        sums.set(kind, s);
      }
      start = out.LastEvaluatedKey as Record<string, never> | undefined;
      if (!start) break;
    }
    return Object.fromEntries([...sums].map(([k, s]) => [k, Math.round(s.bytes / s.n)]));
  } finally {
    client.destroy();
  }
}

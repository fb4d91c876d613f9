import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Time-sortable id (ULID layout: 48-bit millisecond time, 80 random bits, Crockford base32), with a
 * type prefix. Sorting ids sorts by creation time, which gives newest-first listings for free.
 */
export function newId(prefix: 'evt' | 'dlv' | 'ep', now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = '';
  // 80 bits -> 16 base32 characters, 5 bits at a time.
  let acc = 0n;
  for (const b of bytes) acc = (acc << 8n) | BigInt(b);
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(acc & 31n)] + rand;
    acc >>= 5n;
  }
  return `${prefix}_${time}${rand}`;
}

/**
 * A delivery id names its endpoint: `dlv_<ULID>_<endpoint id>`. Deliveries are stored in their endpoint's
 * partition (the deliveries log of an endpoint is then a query of the table's own keys, with no index to
 * write), and the id alone is enough to find the item.
 */
export function newDeliveryId(endpointId: string, now: number = Date.now()): string {
  return `${newId('dlv', now)}_${endpointId}`;
}

const DELIVERY_ID = /^dlv_[0-9A-HJKMNP-TV-Z]{26}_([A-Za-z0-9_-]{1,64})$/;

/** The endpoint a delivery id names, or undefined when the text is not a delivery id. */
export function endpointOfDelivery(deliveryId: string): string | undefined {
  return DELIVERY_ID.exec(deliveryId)?.[1];
}

/** The first `dlv_` id prefix at or after a time: ids sort by creation time, so this bounds a range. */
export function deliveryIdFloor(at: number): string {
  return newId('dlv', Math.max(0, at)).slice(0, 14);
}

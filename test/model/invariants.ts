/**
 * What must hold after every simulated run, whatever the faults (issue 11). Each check returns the
 * violations it found, worded with the numbers a reader needs to see what broke.
 */
import type { World } from './wiring';

export interface Violation {
  readonly invariant:
    | 'final-with-reason'
    | 'dlq-has-reason'
    | 'strict-order'
    | 'no-overlap'
    | 'duplicates-bounded';
  readonly detail: string;
}

/**
 * Every published delivery ended `succeeded`, or `failed` with a reason; or is `held` because its endpoint
 * is disabled at the end of the run (kept, to be sent when it is enabled).
 */
function finalWithReason(world: World): Violation[] {
  const out: Violation[] = [];
  const byId = new Map(world.deliveries().map((d) => [d.id, d]));
  for (const p of world.published) {
    const d = byId.get(p.deliveryId);
    if (!d) out.push({ invariant: 'final-with-reason', detail: `${p.deliveryId}: no record` });
    else if (d.status === 'pending')
      out.push({
        invariant: 'final-with-reason',
        detail: `${d.id} (${p.ordering} ${p.endpointId}, #${p.seq}) still pending after ${d.attemptCount} attempts`,
      });
    else if (d.status === 'failed' && !d.failureReason)
      out.push({ invariant: 'final-with-reason', detail: `${d.id} failed with no reason` });
    else if (d.status === 'held' && world.endpointStatusAtEnd.get(p.endpointId) !== 'disabled')
      out.push({
        invariant: 'final-with-reason',
        detail: `${d.id} (${p.ordering} ${p.endpointId}, #${p.seq}) still held, its endpoint ${world.endpointStatusAtEnd.get(p.endpointId) ?? 'deleted'}`,
      });
  }
  return out;
}

/** Every message in the delivery DLQ says why, and its delivery is recorded failed with a reason. */
function dlqHasReason(world: World): Violation[] {
  const out: Violation[] = [];
  const byId = new Map(world.deliveries().map((d) => [d.id, d]));
  const redriven = new Map(
    world.sqs.events.filter((e) => e.kind === 'redriven').map((e) => [e.message.body, e.message]),
  );
  for (const m of world.deadLetters()) {
    const how = redriven.get(m.body);
    const via = how ? `moved by redrive after ${how.receiveCount} receives` : 'sent by the code';
    if (!m.parsed?.reason) {
      const d = m.parsed?.deliveryId ? byId.get(m.parsed.deliveryId) : undefined;
      const state = d
        ? `delivery ${d.id} is ${d.status} after ${d.attemptCount} attempts${d.failureReason ? ` (${d.failureReason})` : ''}`
        : `body ${JSON.stringify(m.body.slice(0, 60))}`;
      out.push({ invariant: 'dlq-has-reason', detail: `DLQ message with no reason, ${via}: ${state}` });
      continue;
    }
    const d = m.parsed.deliveryId ? byId.get(m.parsed.deliveryId) : undefined;
    if (m.parsed.deliveryId && (d?.status !== 'failed' || !d.failureReason))
      out.push({
        invariant: 'dlq-has-reason',
        detail: `DLQ message for ${m.parsed.deliveryId} (${via}) but the delivery is ${d?.status ?? 'missing'}`,
      });
  }
  return out;
}

/**
 * Per strict endpoint, the deliveries that succeeded did so in publish order, and no attempt of an event
 * started before every earlier event of the endpoint was final (succeeded or given up on).
 */
function strictOrder(world: World): Violation[] {
  const out: Violation[] = [];
  const seqOf = new Map(world.published.map((p) => [p.deliveryId, p]));
  const byId = new Map(world.deliveries().map((d) => [d.id, d]));
  const strictUrls = new Set(world.published.filter((p) => p.ordering === 'strict').map((p) => p.url));
  for (const url of strictUrls) {
    const firstSuccess: string[] = [];
    for (const post of world.receiver.posts)
      if (post.url === url && post.ok && !firstSuccess.includes(post.deliveryId))
        firstSuccess.push(post.deliveryId);
    const seqs = firstSuccess.map((id) => seqOf.get(id)?.seq ?? -1);
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i]! < seqs[i - 1]!) {
        const endpoint = seqOf.get(firstSuccess[i]!)?.endpointId;
        out.push({
          invariant: 'strict-order',
          detail: `${endpoint}: event #${seqs[i]} succeeded after #${seqs[i - 1]} (success order ${seqs.join(',')})`,
        });
        break;
      }
    }
    const earlier = world.published.filter((p) => p.url === url);
    for (const post of world.receiver.posts.filter((p) => p.url === url)) {
      const seq = seqOf.get(post.deliveryId)?.seq ?? -1;
      const open = earlier.find((e) => {
        if (e.seq >= seq) return false;
        const d = byId.get(e.deliveryId);
        return d?.finalAt === undefined || d.finalAt > post.start;
      });
      if (open) {
        out.push({
          invariant: 'strict-order',
          detail: `${open.endpointId}: event #${seq} attempted at +${((post.start - world.startedAt) / 3_600_000).toFixed(2)} h while #${open.seq} was not final`,
        });
        break;
      }
    }
  }
  return out;
}

/** No two POSTs to one endpoint were in flight at once. */
function noOverlap(world: World): Violation[] {
  return world.receiver.overlaps.map((o) => ({
    invariant: 'no-overlap' as const,
    detail: `${o.url}: ${o.deliveryIds.length} POSTs in flight at once at +${((o.at - world.startedAt) / 3_600_000).toFixed(2)} h (${o.deliveryIds.join(', ')})`,
  }));
}

/**
 * A delivery is POSTed successfully more than once only when a success could not be recorded (a throttled
 * write) or its invocation timed out with the POST in flight: duplicates stay within what was in flight.
 */
function duplicatesBounded(world: World): Violation[] {
  const out: Violation[] = [];
  const successes = new Map<string, number>();
  for (const p of world.receiver.posts)
    if (p.ok) successes.set(p.deliveryId, (successes.get(p.deliveryId) ?? 0) + 1);
  const lost = new Map<string, number>();
  for (const w of world.throttledWrites)
    if (w.status === 'succeeded') lost.set(w.deliveryId, (lost.get(w.deliveryId) ?? 0) + 1);
  const timeouts = world.sources.delivery.stats.timeouts;
  for (const [id, n] of successes) {
    const allowed = 1 + (lost.get(id) ?? 0) + timeouts;
    if (n > allowed)
      out.push({
        invariant: 'duplicates-bounded',
        detail: `${id} succeeded ${n} times; ${allowed - 1} duplicates explained by lost success records and timeouts`,
      });
  }
  return out;
}

export function checkInvariants(world: World): Violation[] {
  return [
    ...finalWithReason(world),
    ...dlqHasReason(world),
    ...strictOrder(world),
    ...noOverlap(world),
    ...duplicatesBounded(world),
  ];
}

/** The error a run that broke an invariant ends with (as opposed to a crash of the harness). */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

/** True when `error`, or an error it was caused by (fast-check wraps them), is an InvariantViolation. */
export function isViolation(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof InvariantViolation) return true;
  return false;
}

/** Throws one error listing every violation (at most 8 lines per invariant) and the run's numbers. */
export function assertInvariants(world: World, label: string): void {
  const violations = checkInvariants(world);
  if (violations.length === 0) return;
  const byKind = new Map<string, string[]>();
  for (const v of violations) byKind.set(v.invariant, [...(byKind.get(v.invariant) ?? []), v.detail]);
  const lines = [...byKind].flatMap(([kind, details]) => [
    `${kind}: ${details.length} violation(s)`,
    ...details.slice(0, 8).map((d) => `  - ${d}`),
  ]);
  throw new InvariantViolation(`${label}\n${summary(world)}\n${lines.join('\n')}`);
}

/** One line of numbers about a run. */
export function summary(world: World): string {
  const ds = world.deliveries();
  const count = (s: string) => ds.filter((d) => d.status === s).length;
  const redriven = world.sqs.events.filter((e) => e.kind === 'redriven' && e.queue.endsWith('.fifo')).length;
  const hours = ((world.clock.now() - world.startedAt) / 3_600_000).toFixed(1);
  return (
    `${world.published.length} deliveries: ${count('succeeded')} succeeded, ${count('failed')} failed, ` +
    `${count('pending')} pending; DLQ ${world.deadLetters().length} (${redriven} by redrive, maxReceiveCount ` +
    `${world.maxReceiveCount}); ${world.receiver.posts.length} POSTs; ${world.throttledWrites.length} throttled writes; ` +
    `${hours} h simulated in ${world.clock.steps} steps`
  );
}

/**
 * Counts the AWS API requests a run makes, by operation, with an SDK middleware on each client. In
 * capacity mode it also computes each DynamoDB request's read and write units from item sizes
 * (bench/capacity.ts), and asks DynamoDB Local for its own figure (`ReturnConsumedCapacity: INDEXES`) as
 * a cross-check.
 */
import { WEBHOOK_TABLE } from '../lib/resources';
import type { Runtime } from '../local/runtime';
import { CapacityModel, type IndexKeys } from './capacity';

export type AwsService = 'dynamodb' | 'sqs';

export interface OpStats {
  readonly service: AwsService;
  readonly op: string;
  /** SQS: the queue's name (FIFO and standard requests are priced differently). */
  readonly queue: string;
  calls: number;
  /** Request payload bytes (SQS bills per 64 KB chunk of it). */
  bytes: number;
  /** SQS: billed requests (64 KB chunks); DynamoDB: same as calls. */
  billed: number;
  /** Computed from item sizes (bench/capacity.ts). */
  readUnits: number;
  writeUnits: number;
  /** As DynamoDB Local reports them. */
  localReadUnits: number;
  localWriteUnits: number;
  /** ReceiveMessage only. */
  messages: number;
  emptyReceives: number;
  errors: number;
  /** Wall time spent in these requests (receives include their long-poll wait). */
  ms: number;
}

/** What the middleware needs of a client: its middleware stack (the SDK's `Client` has one). */
interface StackHolder {
  readonly middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const CAPACITY_COMMANDS = new Set(
  [
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
    'Query',
    'Scan',
    'BatchGetItem',
    'BatchWriteItem',
    'TransactWriteItems',
    'TransactGetItems',
  ].map((op) => `${op}Command`),
);

/** The queue name at the end of `"QueueUrl":"http://.../<name>"` in an SQS JSON request. */
const QUEUE_URL = /"QueueUrl":"[^"]*\/([^"/]+)"/;

/** The request body as text: a string, or bytes (the SDK's JSON protocols send a Uint8Array subclass). */
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  // Read the bytes directly: the SDK's subclass warns when its string methods (valueOf) are used.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return body === undefined || body === null ? '' : String(body);
}

function unitsOf(consumed: unknown): number {
  const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

export class OpCounter {
  readonly ops = new Map<string, OpStats>();
  private readonly attached = new WeakSet<object>();
  private readonly model: CapacityModel;

  constructor(private readonly options: { capacity: boolean; indexes?: readonly IndexKeys[] }) {
    this.model = new CapacityModel(
      options.indexes ??
        WEBHOOK_TABLE.globalIndexes.map((i) => ({
          name: i.indexName,
          partitionKey: i.partitionKey.name,
          sortKey: i.sortKey.name,
          // As the table definition says (lib/resources.ts); ALL where it says nothing.
          projection: (i as { projection?: 'ALL' | 'KEYS_ONLY' }).projection ?? 'ALL',
        })),
    );
  }

  reset(): void {
    this.ops.clear();
  }

  private stats(service: AwsService, op: string, queue: string): OpStats {
    const key = `${service}:${op}:${queue}`;
    let s = this.ops.get(key);
    if (!s) {
      s = {
        service,
        op,
        queue,
        calls: 0,
        bytes: 0,
        billed: 0,
        readUnits: 0,
        writeUnits: 0,
        localReadUnits: 0,
        localWriteUnits: 0,
        messages: 0,
        emptyReceives: 0,
        errors: 0,
        ms: 0,
      };
      this.ops.set(key, s);
    }
    return s;
  }

  /** Adds the counting middleware to a client (once per middleware stack). */
  attach(client: StackHolder, service: AwsService): void {
    const stack = client.middlewareStack;
    if (this.attached.has(stack)) return;
    this.attached.add(stack);
    // Clients built with `cacheMiddleware: true` keep the handlers they resolved before this call; drop them
    // so the counting middleware takes part in every later send.
    delete (client as { handlers?: unknown }).handlers;
    if (service === 'dynamodb' && this.options.capacity) {
      stack.add(
        (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
          async (args: { input: Record<string, unknown> }) => {
            const name = context.commandName ?? '';
            if (CAPACITY_COMMANDS.has(name)) {
              args.input = { ...args.input, ReturnConsumedCapacity: 'INDEXES' };
              // The item after the update, for its size (the service ignores what an update returns).
              if (name === 'UpdateItemCommand' && args.input.ReturnValues === undefined)
                args.input.ReturnValues = 'ALL_NEW';
            }
            return next(args);
          },
        { step: 'initialize', name: 'benchConsumedCapacity', priority: 'high' },
      );
    }
    stack.add(
      (next: (a: unknown) => Promise<{ output?: Record<string, unknown> }>) =>
        async (args: { request?: { headers?: Record<string, string>; body?: unknown } }) => {
          const headers = args.request?.headers ?? {};
          const target = headers['x-amz-target'] ?? 'unknown';
          const op = target.slice(target.lastIndexOf('.') + 1);
          const body = bodyText(args.request?.body);
          const bytes = Number(headers['content-length'] ?? Buffer.byteLength(body));
          const queue = service === 'sqs' ? (QUEUE_URL.exec(body)?.[1] ?? '') : '';
          const capacity = service === 'dynamodb' && this.options.capacity;
          const started = performance.now();
          // Counted when the answer is in (a long poll still waiting is not a request made yet), into the
          // period current then.
          const count = (output: Record<string, unknown> | undefined, failed: boolean) => {
            const s = this.stats(service, op, queue);
            s.calls++;
            s.bytes += bytes;
            s.billed += service === 'sqs' ? Math.max(1, Math.ceil(bytes / 65_536)) : 1;
            s.ms += performance.now() - started;
            if (failed) s.errors++;
            if (capacity) this.addUnits(s, op, body, output, failed);
            if (service === 'sqs' && op === 'ReceiveMessage' && !failed) {
              const n = Array.isArray(output?.Messages) ? output.Messages.length : 0;
              s.messages += n;
              if (n === 0) s.emptyReceives++;
            }
            if (capacity && output?.ConsumedCapacity !== undefined) {
              const units = unitsOf(output.ConsumedCapacity);
              if (READS.has(op)) s.localReadUnits += units;
              else s.localWriteUnits += units;
            }
          };
          let result: { output?: Record<string, unknown> };
          try {
            result = await next(args);
          } catch (error) {
            count(undefined, true);
            throw error;
          }
          count(result.output ?? {}, false);
          return result;
        },
      { step: 'finalizeRequest', name: 'benchRequestCounter', priority: 'low' },
    );
  }

  private addUnits(
    s: OpStats,
    op: string,
    body: string,
    output: Record<string, unknown> | undefined,
    failed: boolean,
  ): void {
    if (!body) return;
    const units = this.model.account(op, JSON.parse(body) as Record<string, unknown>, output, failed);
    s.readUnits += units.read;
    s.writeUnits += units.write;
  }

  /**
   * Counts everything the runtime's service and pollers send. The service builds its own clients
   * (lambdas/service.ts `buildClients`); they are reached through the store and the queues adapter.
   */
  attachRuntime(runtime: Runtime): void {
    const doc = (runtime.service.store as unknown as { doc?: StackHolder }).doc;
    const sqs = (runtime.service.queues as unknown as { options?: { client?: StackHolder } }).options?.client;
    if (!doc?.middlewareStack || !sqs?.middlewareStack) {
      throw new Error(
        "bench: cannot reach the service's SDK clients (DynamoStore.doc, SqsQueues.options.client); " +
          'update bench/counting.ts to where lambdas/service.ts keeps them now',
      );
    }
    this.attach(doc, 'dynamodb');
    const writer = (runtime.service.store as unknown as { writer?: StackHolder }).writer;
    if (writer?.middlewareStack) this.attach(writer, 'dynamodb');
    this.attach(sqs, 'sqs');
    this.attach(runtime.sqs as unknown as StackHolder, 'sqs');
  }

  /** A snapshot (copies), sorted by service, operation and queue. */
  list(): OpStats[] {
    return [...this.ops.values()]
      .map((s) => ({ ...s }))
      .sort((a, b) =>
        a.service === b.service
          ? a.op.localeCompare(b.op) || a.queue.localeCompare(b.queue)
          : a.service.localeCompare(b.service),
      );
  }

  /** Billable units: SQS requests (64 KB chunks; empty receives excluded) + DynamoDB read and write units. */
  totals(): {
    sqsRequests: number;
    emptyReceives: number;
    dynamoRequests: number;
    readUnits: number;
    writeUnits: number;
    localReadUnits: number;
    localWriteUnits: number;
  } {
    let sqsRequests = 0;
    let emptyReceives = 0;
    let dynamoRequests = 0;
    let readUnits = 0;
    let writeUnits = 0;
    let localReadUnits = 0;
    let localWriteUnits = 0;
    for (const s of this.ops.values()) {
      if (s.service === 'sqs') {
        sqsRequests += s.billed - s.emptyReceives;
        emptyReceives += s.emptyReceives;
      } else {
        dynamoRequests += s.calls;
        readUnits += s.readUnits;
        writeUnits += s.writeUnits;
        localReadUnits += s.localReadUnits;
        localWriteUnits += s.localWriteUnits;
      }
    }
    return {
      sqsRequests,
      emptyReceives,
      dynamoRequests,
      readUnits,
      writeUnits,
      localReadUnits,
      localWriteUnits,
    };
  }
}

/**
 * X-Ray subsegments for the service's own AWS SDK calls, sent to the X-Ray daemon that Lambda runs beside
 * the function (active tracing), as AWS documents for subsegments sent on their own: one JSON document per
 * call over UDP, `type: "subsegment"`, `parent_id` the function's segment from `_X_AMZN_TRACE_ID`. The
 * request carries the trace header (so SQS keeps it as `AWSTraceHeader` on the messages it stores).
 *
 * In place of the X-Ray SDK (through Powertools' Tracer): that adds about 100 KB to every bundle and installs
 * a process-wide async hook that costs CPU on every asynchronous step, for the one thing used here.
 * Only SDK calls are traced: outbound deliveries carry no trace header (docs/decisions.md).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface TraceContext {
  readonly root: string;
  readonly parent: string;
  readonly sampled: boolean;
}

/** `Root=1-…;Parent=…;Sampled=1` (Lambda's `_X_AMZN_TRACE_ID`); undefined when it has no root or parent. */
export function parseTraceHeader(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const fields = new Map(
    header.split(';').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const root = fields.get('Root');
  const parent = fields.get('Parent');
  if (!root || !parent) return undefined;
  return { root, parent, sampled: fields.get('Sampled') === '1' };
}

/** `AWS_XRAY_DAEMON_ADDRESS`: `host:port`, or `udp:host:port tcp:host:port` (the UDP one is used). */
export function daemonAddress(value: string | undefined): { host: string; port: number } {
  const udp = (value ?? '').split(/\s+/).find((part) => part.startsWith('udp:')) ?? value ?? '';
  const address = udp.replace(/^udp:/, '');
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0) return { host: '127.0.0.1', port: 2000 };
  return { host: address.slice(0, at), port };
}

export interface CallRecord {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly status?: number;
  readonly requestId?: string;
  readonly attempts?: number;
  readonly resource?: { readonly table_name?: string; readonly queue_url?: string };
  readonly error?: string;
}

/** The subsegment document of one SDK call (X-Ray's `aws` namespace fields). */
export function subsegmentDocument(trace: TraceContext, id: string, call: CallRecord): string {
  const status = call.status;
  const failed = call.error !== undefined || (status !== undefined && status >= 400);
  return JSON.stringify({
    name: call.service,
    id,
    trace_id: trace.root,
    parent_id: trace.parent,
    type: 'subsegment',
    namespace: 'aws',
    start_time: call.startMs / 1000,
    end_time: call.endMs / 1000,
    aws: {
      operation: call.operation,
      region: call.region,
      ...(call.requestId ? { request_id: call.requestId } : {}),
      ...(call.attempts !== undefined ? { retries: Math.max(0, call.attempts - 1) } : {}),
      ...call.resource,
    },
    ...(status !== undefined ? { http: { response: { status } } } : {}),
    ...(failed
      ? status !== undefined && status < 500
        ? { error: true, ...(status === 429 ? { throttle: true } : {}) }
        : { fault: true }
      : {}),
    ...(call.error ? { cause: { exceptions: [{ id, message: call.error.slice(0, 500) }] } } : {}),
  });
}

const HEADER = '{"format": "json", "version": 1}\n';

interface TraceableClient {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'build'; name: string; override?: boolean }): void;
  };
}

interface SdkOutcome {
  readonly $metadata?: {
    readonly httpStatusCode?: number;
    readonly requestId?: string;
    readonly attempts?: number;
  };
  readonly message?: string;
}

/**
 * Adds the subsegment middleware to an SDK v3 client (before its first send: clients with cached
 * middleware keep what they resolved). A call outside a sampled trace costs a header parse.
 */
export function traceAwsClient(
  client: TraceableClient,
  service: 'DynamoDB' | 'SQS',
  region: string,
  options: {
    readonly traceHeader?: () => string | undefined;
    readonly send?: (document: string) => void;
  } = {},
): void {
  const traceHeader = options.traceHeader ?? (() => process.env._X_AMZN_TRACE_ID);
  const send = options.send ?? udpSender();
  const middleware =
    (
      next: (args: {
        request: unknown;
        input: unknown;
      }) => Promise<{ output?: SdkOutcome; response?: unknown }>,
      context: { commandName?: string },
    ) =>
    async (args: { request: unknown; input: unknown }) => {
      const trace = parseTraceHeader(traceHeader());
      if (!trace?.sampled) return next(args);
      const id = randomBytes(8).toString('hex');
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['X-Amzn-Trace-Id'] = `Root=${trace.root};Parent=${id};Sampled=1`;
      const input = (args.input ?? {}) as { TableName?: string; QueueUrl?: string };
      const base = {
        service,
        operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        region,
        startMs: Date.now(),
        resource: {
          ...(input.TableName ? { table_name: input.TableName } : {}),
          ...(input.QueueUrl ? { queue_url: input.QueueUrl } : {}),
        },
      };
      const emit = (outcome: SdkOutcome | undefined, error?: string) => {
        const meta = outcome?.$metadata;
        try {
          send(
            subsegmentDocument(trace, id, {
              ...base,
              endMs: Date.now(),
              ...(meta?.httpStatusCode !== undefined ? { status: meta.httpStatusCode } : {}),
              ...(meta?.requestId ? { requestId: meta.requestId } : {}),
              ...(meta?.attempts !== undefined ? { attempts: meta.attempts } : {}),
              ...(error !== undefined ? { error } : {}),
            }),
          );
        } catch {
          // Tracing never fails a call.
        }
      };
      try {
        const result = await next(args);
        emit(result.output);
        return result;
      } catch (error) {
        emit(error as SdkOutcome, (error as Error)?.message ?? String(error));
        throw error;
      }
    };
  client.middlewareStack.add(middleware, { step: 'build', name: 'xraySubsegment', override: true });
}

let daemon: { socket: Socket; host: string; port: number } | undefined;

/**
 * Fire and forget to the daemon at `AWS_XRAY_DAEMON_ADDRESS` (read with the first document: Lambda sets it
 * before the function starts); the socket does not keep Node alive.
 */
function udpSender(): (document: string) => void {
  return (document) => {
    if (!daemon) {
      const socket = createSocket('udp4');
      socket.on('error', () => {});
      socket.unref();
      daemon = { socket, ...daemonAddress(process.env.AWS_XRAY_DAEMON_ADDRESS) };
    }
    daemon.socket.send(HEADER + document, daemon.port, daemon.host, () => {});
  };
}

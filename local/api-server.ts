/**
 * Turns HTTP requests into API Gateway (REST, proxy integration) events for the real handlers, and their
 * results back into HTTP responses: the part of API Gateway the handlers depend on.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type FunctionName, matchRoute } from '../lambdas/http/routes';

export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** API Gateway REST's own payload limit; the handlers enforce the service's smaller one. */
const GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BYTES) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function toGatewayEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEvent {
  const url = new URL(req.url ?? '/', 'http://local');
  const match = matchRoute(req.method ?? 'GET', url.pathname);
  // Null-prototype maps: a header or parameter named __proto__ or toString is just a name here.
  const headers: Record<string, string> = Object.create(null);
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = Object.create(null);
  const multiQuery: Record<string, string[]> = Object.create(null);
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  let text: string | null = null;
  let isBase64Encoded = false;
  if (body.length > 0) {
    try {
      text = utf8.decode(body);
    } catch {
      // Like a binary media type on API Gateway: the handler gets base64 and sees the bytes as they were.
      text = body.toString('base64');
      isBase64Encoded = true;
    }
  }
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: match.kind === 'route' ? match.route.path : '/{proxy+}',
    path: url.pathname,
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters:
      match.kind === 'route' && Object.keys(match.pathParameters).length ? match.pathParameters : null,
    stageVariables: null,
    body: text,
    isBase64Encoded,
    requestContext: {
      requestId: randomUUID(),
      httpMethod: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      stage: 'local',
      identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const body = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, {
    ...(result.headers as Record<string, string>),
    'Content-Length': body.length,
  });
  res.end(body);
}

export function startApiServer(options: {
  port: number;
  host: string;
  handlers: Record<FunctionName, ApiHandler>;
  onError?: (error: unknown) => void;
}): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (body === 'too_large') {
        send(res, { statusCode: 413, body: JSON.stringify({ message: 'Request Too Long' }) });
        return;
      }
      const event = toGatewayEvent(req, body);
      const match = matchRoute(event.httpMethod, event.path);
      // Unknown paths and methods go to the API function, as API Gateway's catch-all does.
      const fn: FunctionName = match.kind === 'route' ? match.route.fn : 'api';
      send(res, await options.handlers[fn](event));
    } catch (error) {
      options.onError?.(error);
      if (!res.headersSent)
        send(res, { statusCode: 502, body: JSON.stringify({ message: 'Internal server error' }) });
    }
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}

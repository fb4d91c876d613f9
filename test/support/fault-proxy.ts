/**
 * A TCP proxy in front of an emulator that a test can cut: while `down`, it refuses new connections and
 * drops open ones, as an unreachable DynamoDB or SQS endpoint would look to the SDK.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  readonly url: string;
  down: boolean;
  /** Connections accepted while up. */
  connections: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const proxy: FaultProxy = {
    url: '',
    connections: 0,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
      if (value) for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  const state = { down: false };
  const server: Server = createServer((client) => {
    if (state.down) {
      client.destroy();
      return;
    }
    proxy.connections++;
    const upstream = connect(Number(port), hostname);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  (proxy as { url: string }).url =
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return proxy;
}

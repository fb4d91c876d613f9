/**
 * `npm run receiver`: a webhook receiver for trying the service locally. It verifies each request's
 * signature with `clients/receiver.ts`, prints what arrived, and answers:
 *
 * - 401 when WEBHOOK_SECRET is set and the signature does not verify (as a real receiver must);
 * - otherwise RECEIVER_STATUS (200; try 500 to watch the retries).
 *
 * Environment (README, "The example receiver"): WEBHOOK_SECRET (the endpoint's secret; without it nothing
 * is verified), RECEIVER_PORT (4000), RECEIVER_STATUS (200), HEADER_BRAND (YumKiosk, as the service's).
 */
import { createServer } from 'node:http';
import { verify, verifyStandardWebhook } from '../clients/receiver';
import { stopOnExitSignals } from './lifecycle';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function integerSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

const port = integerSetting('RECEIVER_PORT', 4000, 0, 65535);
const status = integerSetting('RECEIVER_STATUS', 200, 200, 599);
const brand = process.env.HEADER_BRAND || 'YumKiosk';
const secret = process.env.WEBHOOK_SECRET || undefined;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const standard = req.headers['webhook-signature'] !== undefined;
    const verified =
      secret === undefined
        ? undefined
        : standard
          ? verifyStandardWebhook(raw, req.headers, secret)
          : verify(raw, req.headers, secret, { brand });
    const lower = brand.toLowerCase();
    const event = req.headers[`${lower}-event`] ?? '';
    const delivery = req.headers[`${lower}-delivery`] ?? req.headers['webhook-id'] ?? '';
    process.stdout.write(
      `${req.method} ${req.url}  ${brand}-Event: ${event}  ${brand}-Delivery: ${delivery}  signature verified: ${verified ?? 'no WEBHOOK_SECRET set'}\n${raw.toString('utf8')}\n`,
    );
    if (verified === false) {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end('signature does not verify');
      return;
    }
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status < 300 ? 'ok' : 'failing on purpose (RECEIVER_STATUS)');
  });
});

stopOnExitSignals(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

server.on('error', (error) => fail(`Receiver could not listen on port ${port}: ${error.message}`));
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(
    `Receiver listening on http://127.0.0.1:${actual}, answering ${status}${secret ? ', 401 on a bad signature' : ' (no WEBHOOK_SECRET: nothing verified)'}\n`,
  );
});

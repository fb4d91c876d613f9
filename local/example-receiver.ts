/**
 * `npm run receiver`: a webhook receiver for trying the service locally. It verifies each request's
 * signature with `clients/receiver.ts` and prints what arrived.
 *
 * Environment: WEBHOOK_SECRET (the endpoint's secret; without it nothing is verified), RECEIVER_PORT
 * (4000), RECEIVER_STATUS (the status to answer, 200; try 500 to watch the retries).
 */
import { createServer } from 'node:http';
import { verify, verifyStandardWebhook } from '../clients/receiver';

const port = Number(process.env.RECEIVER_PORT ?? 4000);
const status = Number(process.env.RECEIVER_STATUS ?? 200);
const secret = process.env.WEBHOOK_SECRET;

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const standard = req.headers['webhook-signature'] !== undefined;
    const verified =
      secret === undefined
        ? 'no WEBHOOK_SECRET set'
        : standard
          ? verifyStandardWebhook(raw, req.headers, secret)
          : verify(raw, req.headers, secret);
    const event = req.headers['yumkiosk-event'] ?? '';
    const delivery = req.headers['yumkiosk-delivery'] ?? req.headers['webhook-id'] ?? '';
    process.stdout.write(
      `${req.method} ${req.url}  YumKiosk-Event: ${event}  YumKiosk-Delivery: ${delivery}  signature verified: ${verified}\n${raw.toString('utf8')}\n`,
    );
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(status < 300 ? 'ok' : 'failing on purpose (RECEIVER_STATUS)');
  });
}).listen(port, '127.0.0.1', () => {
  process.stdout.write(`Receiver listening on http://127.0.0.1:${port}, answering ${status}\n`);
});

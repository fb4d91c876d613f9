/** `npm run receiver` as a user starts it: 401 on a bad signature, RECEIVER_STATUS otherwise. */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators';
import { type NpmScript, startNpmScript } from '../support/processes';

const SECRET = 'whsec_receiver-test-secret-0123456789';

function signed(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

describe('the example receiver', () => {
  let receiver: NpmScript | undefined;
  afterEach(async () => {
    if (receiver && receiver.process.exitCode === null) {
      const exited = new Promise((r) => receiver!.process.once('exit', r));
      process.kill(receiver.pid, 'SIGTERM');
      await exited;
    }
    receiver = undefined;
  });

  const start = async (env: Record<string, string>) => {
    const port = await freePort();
    receiver = startNpmScript('receiver', { RECEIVER_PORT: String(port), ...env });
    await receiver.waitFor(/Receiver listening/, 60_000);
    return (headers: Record<string, string>, body = '{"id":"evt_1"}') =>
      fetch(`http://127.0.0.1:${port}/hooks`, { method: 'POST', headers, body });
  };

  it('answers 401 when the signature does not verify, and RECEIVER_STATUS when it does', async () => {
    const post = await start({ WEBHOOK_SECRET: SECRET, RECEIVER_STATUS: '503' });
    const body = '{"id":"evt_1"}';
    expect((await post({})).status).toBe(401);
    expect((await post({ 'YumKiosk-Signature': signed(body, 'some-other-secret-0123456789') })).status).toBe(
      401,
    );
    const stale = signed(body, SECRET, Math.floor(Date.now() / 1000) - 3600);
    expect((await post({ 'YumKiosk-Signature': stale })).status).toBe(401);
    expect((await post({ 'YumKiosk-Signature': signed(body, SECRET) })).status).toBe(503);
    // Its log line reaches us through a pipe, which may come after the HTTP answer: wait for it.
    await receiver!.waitFor(/signature verified: true/, 10_000);
    expect(receiver!.output()).toMatch(/signature verified: false/);
  }, 90_000);

  it('verifies nothing and answers RECEIVER_STATUS without a WEBHOOK_SECRET; HEADER_BRAND names the headers', async () => {
    const post = await start({ HEADER_BRAND: 'Acme' });
    expect((await post({})).status).toBe(200);
    await receiver!.waitFor(/Acme-Event: .*signature verified: no WEBHOOK_SECRET set/, 10_000);
  }, 90_000);

  it('refuses a bad setting, naming it', () => {
    const result = spawnSync('npm', ['run', '--silent', 'receiver'], {
      env: { ...process.env, RECEIVER_STATUS: 'five hundred' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'RECEIVER_STATUS must be a whole number from 200 to 599, got "five hundred"',
    );
  }, 90_000);
});

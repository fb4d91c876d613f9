/**
 * The portal page in headless Chromium (Debian's package, driven by playwright-core) against the local
 * runtime: a tenant adds an endpoint, sees a published delivery in the log, opens it and replays it; a
 * failing receiver's delivery shows each attempt; another tenant's endpoints never appear; an expired
 * token asks to sign in again. Takes the README's screenshots (docs/img/portal-*.png) on the way.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { apiClient, eventually, startTestRuntime } from '../support/runtime';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const IMG = new URL('../../docs/img/', import.meta.url).pathname;

// Skipped only on a machine without Chromium where nobody asked for the browser tests; `.ci/run` installs
// Chromium and sets REQUIRE_BROWSER=1, so in CI a missing browser fails the run instead of passing it.
if (process.env.REQUIRE_BROWSER === '1' && !existsSync(CHROMIUM))
  throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describe.skipIf(!existsSync(CHROMIUM))('portal page in a browser', () => {
  let runtime: Runtime;
  let ok: Receiver;
  let failing: Receiver;
  let browser: Browser;
  let api: ReturnType<typeof apiClient>;
  let offsetMs = 0;
  const foreign: string[] = [];
  const cspErrors: string[] = [];

  const mint = async (tenantId: string, ttlSeconds = 3600) => {
    const out = await api.call('POST', '/v1/portal-tokens', { tenantId, ttlSeconds });
    expect(out.status).toBe(201);
    return out.body as { token: string; url: string };
  };
  const open = async (url: string, width = 1100): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('request', (r) => {
      if (!r.url().startsWith(runtime.url)) foreign.push(r.url());
    });
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(url);
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    return page;
  };

  beforeAll(async () => {
    ok = await startReceiver();
    failing = await startReceiver(() => ({ status: 500, body: 'kitchen printer on fire' }));
    runtime = await startTestRuntime({
      env: { RETRY_SCHEDULE: '1s,1s', PORTAL_BRAND_NAME: 'YumKiosk webhooks' },
      clock: { now: () => Date.now() + offsetMs },
    });
    api = apiClient(runtime.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await ok?.close();
    await failing?.close();
  });

  it('adds an endpoint, shows the secret once, and lists only its own tenant', async () => {
    await api.createEndpoint({ tenantId: 'rival', url: `${ok.url}/rival-only`, events: ['*'] });
    const { url } = await mint('acme');
    const page = await open(url);
    expect(page.url()).not.toContain('token=');
    await page.getByText('Add an endpoint').click();
    await page.getByLabel('URL').fill(`${ok.url}/orders`);
    await page.getByLabel('Events').selectOption(['order.created', 'order.refunded']);
    await page.getByLabel('Description').fill('Kitchen display');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByRole('textbox', { name: 'Signing secret', exact: true });
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_|.{24,}/);
    await page.locator('[data-endpoint]').first().waitFor();
    await api.createEndpoint({ tenantId: 'acme', url: `${failing.url}/broken`, events: ['order.created'] });
    await page.getByRole('navigation').getByRole('button', { name: 'Endpoints' }).click();
    await page.locator('[data-endpoint]').nth(1).waitFor();
    expect(await page.locator('body').textContent()).not.toContain('rival-only');
    // Every control has a label.
    const unlabelled = await page.$$eval(
      'input, select, textarea',
      (els) =>
        els.filter(
          (e) =>
            !(e as unknown as { labels?: { length: number } }).labels?.length &&
            !e.getAttribute('aria-label'),
        ).length,
    );
    expect(unlabelled).toBe(0);
    await page.screenshot({ path: `${IMG}portal-endpoints.png`, fullPage: true });
    await page.close();
  });

  it('names the field of a 422 next to it', async () => {
    const { url } = await mint('acme');
    const page = await open(url);
    await page.getByText('Add an endpoint').click();
    await page.getByLabel('URL').fill('not a url');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('[data-error-for="url"]').textContent()).toContain('absolute URL');
    await expect
      .poll(() => page.locator('[data-error-for="events"]').textContent())
      .toContain('at least one');
    await page.close();
  });

  it('shows a published delivery, its attempt, and replays it to the receiver', async () => {
    const published = await api.publish({
      tenantId: 'acme',
      type: 'order.created',
      data: { orderId: 'o-42' },
    });
    expect(published.status).toBe(202);
    await ok.waitFor(1);
    const { url } = await mint('acme');
    const page = await open(url);
    await page.getByRole('navigation').getByRole('button', { name: 'Deliveries' }).click();
    const endpoint = (await api.call('GET', '/v1/endpoints?tenantId=acme')).body.items.find(
      (e: { url: string }) => e.url.endsWith('/orders'),
    );
    await page.getByLabel('Endpoint').selectOption(endpoint.id);
    const row = page.locator('tr[data-delivery].succeeded').first();
    await row.waitFor();
    await row.getByRole('button').click();
    await page.getByRole('heading', { name: /^Delivery/ }).waitFor();
    expect(await page.locator('.attempt').count()).toBe(1);
    expect(await page.locator('.detail').textContent()).toContain('HTTP 200');
    expect(await page.locator('.detail').textContent()).toContain('o-42');
    await page.screenshot({ path: `${IMG}portal-delivery.png`, fullPage: true });
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/Replay queued as dlv_/).waitFor();
    const [first, replayed] = await ok.waitFor(2);
    expect(replayed!.body).toBe(first!.body);
    // The log refreshes by itself and shows the replay.
    await expect
      .poll(() => page.locator('tr[data-delivery]').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it("shows each attempt of a failing receiver's delivery", async () => {
    const endpoint = (await api.call('GET', '/v1/endpoints?tenantId=acme')).body.items.find(
      (e: { url: string }) => e.url.endsWith('/broken'),
    );
    await eventually(async () => {
      const page = await api.call('GET', `/v1/deliveries?tenantId=acme&endpointId=${endpoint.id}`);
      return page.body.items[0]?.status === 'failed' ? true : undefined;
    }, 30_000);
    const { url } = await mint('acme');
    const page = await open(url, 390);
    await page.getByRole('navigation').getByRole('button', { name: 'Deliveries' }).click();
    await page.getByLabel('Endpoint').selectOption(endpoint.id);
    const row = page.locator('tr[data-delivery].failed').first();
    await row.waitFor();
    await row.getByRole('button').click();
    await page.getByRole('heading', { name: /^Delivery/ }).waitFor();
    expect(await page.locator('.attempt').count()).toBe(3);
    const text = await page.locator('.detail').textContent();
    expect(text).toContain('HTTP 500');
    expect(text).toContain('kitchen printer on fire');
    expect(text).not.toMatch(/v1=[0-9a-f]{16}/);
    // Phone width: nothing wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('asks to sign in again once the token has expired', async () => {
    const { url } = await mint('acme', 60);
    offsetMs = 61_000;
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.getByText('Please sign in again').waitFor();
      await page.close();
    } finally {
      offsetMs = 0;
    }
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
  });

  it("asks to sign in again when API Gateway's token authorizer refuses the token (AWS)", async () => {
    const { url } = await mint('acme', 3600);
    const page = await browser.newPage();
    // What a deployed stack answers when its authorizer refuses a token: API Gateway's own 403 body.
    await page.route('**/portal/v1/**', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: '{"message":"Forbidden"}' }),
    );
    await page.goto(url);
    await page.getByText('Please sign in again').waitFor();
    await page.close();
  });
});

/**
 * The tenant portal: endpoints, the event catalog and the deliveries log of the token's tenant (an
 * operator token picks the tenant). Built by esbuild into one script; no inline code, no third party.
 */
import { api, takeToken, useToken, whenSignedOut } from './api';
import { deliveriesView } from './deliveries';
import { h, mount } from './dom';
import { endpointsView } from './endpoints';
import type { EventType, Session } from './types';

/** What every view gets: the tenant, the query suffix naming it (operator tokens), and navigation. */
export interface Ctx {
  readonly tenantId: string;
  /** `?tenantId=...` for operator tokens, `''` otherwise (the token names the tenant). */
  readonly q: (extra?: Record<string, string | undefined>) => string;
  readonly operator: boolean;
  readonly catalog: readonly EventType[];
  readonly notify: (message: string) => void;
  readonly show: (view: View, options?: { endpointId?: string; deliveryId?: string }) => void;
}

type View = 'endpoints' | 'deliveries' | 'catalog';

const root = document.getElementById('app')!;
const brand = root.dataset.brand ?? 'Webhooks';

function signInAgain(message: string): void {
  mount(
    root,
    h(
      'main',
      { class: 'signed-out' },
      h('h1', {}, brand),
      h('p', { role: 'alert', class: 'alert' }, 'Your session has ended. Please sign in again.'),
      h('p', {}, message),
    ),
  );
}

async function start(): Promise<void> {
  const token = takeToken();
  if (!token) {
    signInAgain('This page needs a portal link (ask the service for a new one).');
    return;
  }
  useToken(token);
  whenSignedOut(signInAgain);
  const session = await api<Session>('GET', '/session');
  const catalog = (await api<{ items: EventType[] }>('GET', '/event-types')).items;
  const toast = h('p', { class: 'toast', role: 'status', 'aria-live': 'polite' });
  const view = h('main', { id: 'view', tabindex: '-1' });
  const tenantLabel = h('span', { class: 'tenant' });
  let tenantId = session.operator ? (sessionStorage.getItem('portal-tenant') ?? '') : session.tenantId;
  let current: View = 'endpoints';
  let timer: number | undefined;

  const tabs = (['endpoints', 'deliveries', 'catalog'] as const).map((name) =>
    h(
      'button',
      { type: 'button', class: 'tab', 'data-view': name, onclick: () => show(name) },
      { endpoints: 'Endpoints', deliveries: 'Deliveries', catalog: 'Event types' }[name],
    ),
  );

  const ctx = (): Ctx => ({
    tenantId,
    operator: session.operator,
    catalog,
    q: (extra = {}) => {
      const params = new URLSearchParams();
      if (session.operator) params.set('tenantId', tenantId);
      for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
      const text = params.toString();
      return text ? `?${text}` : '';
    },
    notify: (message) => {
      toast.textContent = message;
    },
    show,
  });

  function show(name: View, options: { endpointId?: string; deliveryId?: string } = {}): void {
    current = name;
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
    for (const tab of tabs) tab.setAttribute('aria-current', String(tab.dataset.view === name));
    tenantLabel.textContent = tenantId ? `Tenant: ${tenantId}` : 'No tenant picked';
    if (!tenantId && name !== 'catalog') {
      mount(view, h('p', { class: 'empty' }, 'Pick a tenant above to see its endpoints and deliveries.'));
      return;
    }
    if (name === 'catalog') {
      mount(
        view,
        h('h2', {}, 'Event types'),
        h(
          'dl',
          { class: 'catalog' },
          catalog.map((t) => [h('dt', {}, h('code', {}, t.type)), h('dd', {}, t.description)]),
        ),
      );
    } else if (name === 'endpoints') {
      endpointsView(view, ctx());
    } else {
      const refresh = deliveriesView(view, ctx(), options);
      // The log refreshes while it is open.
      timer = window.setInterval(() => {
        if (current === 'deliveries' && document.visibilityState === 'visible') refresh();
      }, 3000);
    }
  }

  const picker = session.operator
    ? h(
        'form',
        {
          class: 'picker',
          onsubmit: (e: Event) => {
            e.preventDefault();
            const input = (e.target as HTMLFormElement).elements.namedItem('tenant') as HTMLInputElement;
            tenantId = input.value.trim();
            sessionStorage.setItem('portal-tenant', tenantId);
            show(current);
          },
        },
        h('label', { for: 'tenant-picker' }, 'Tenant'),
        h('input', {
          id: 'tenant-picker',
          name: 'tenant',
          value: tenantId,
          required: true,
          autocomplete: 'off',
        }),
        h('button', { type: 'submit' }, 'Open'),
      )
    : null;

  mount(
    root,
    h(
      'header',
      { class: 'top' },
      h('h1', {}, brand),
      session.operator ? h('span', { class: 'badge' }, 'Operator') : null,
      tenantLabel,
      picker,
    ),
    h('nav', { 'aria-label': 'Sections' }, tabs),
    toast,
    view,
  );
  show('endpoints');
}

start().catch((error: unknown) => {
  if (root.querySelector('.signed-out')) return;
  mount(
    root,
    h(
      'p',
      { role: 'alert', class: 'alert' },
      `The portal could not start: ${String((error as Error).message ?? error)}`,
    ),
  );
});

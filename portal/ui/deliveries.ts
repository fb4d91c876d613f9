/** The deliveries log (filters, paging, refreshed while open) and a delivery's detail with Replay. */
import { api, clearErrors, showError } from './api';
import { field, h, mount, time } from './dom';
import type { Ctx } from './main';
import type { Detail, EndpointView, Summary } from './types';

const outcome = (d: Summary) =>
  d.lastAttempt?.responseStatus !== undefined
    ? `HTTP ${d.lastAttempt.responseStatus}`
    : (d.lastAttempt?.errorClass ?? '');

function headersTable(headers: Record<string, string> | undefined) {
  if (!headers) return null;
  return h(
    'table',
    { class: 'headers' },
    h('caption', {}, 'Request headers (signature masked)'),
    h(
      'tbody',
      {},
      Object.entries(headers).map(([k, v]) =>
        h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, h('code', {}, v))),
      ),
    ),
  );
}

/** Mounts the log; returns a refresh function the page calls while the log is open. */
export function deliveriesView(
  view: HTMLElement,
  ctx: Ctx,
  options: { endpointId?: string; deliveryId?: string },
): () => void {
  const endpoint = h('select', {}, h('option', { value: '' }, 'All endpoints (pick a status)'));
  const status = h(
    'select',
    {},
    h('option', { value: '' }, 'Any status'),
    ['pending', 'succeeded', 'failed', 'held'].map((s) => h('option', { value: s }, s)),
  );
  const eventType = h(
    'select',
    {},
    h('option', { value: '' }, 'Any event type'),
    ctx.catalog.map((t) => h('option', { value: t.type }, t.type)),
  );
  const since = h('input', { type: 'datetime-local', step: 1 });
  const rows = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const detail = h('section', { class: 'detail', 'aria-live': 'polite', tabindex: '-1' });
  let cursor: string | undefined;
  let paged = false;

  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void list(false);
      },
      onchange: () => void list(false),
    },
    field('Endpoint', endpoint, 'endpointId'),
    field('Status', status, 'status'),
    field('Event type', eventType, 'eventType'),
    field('Since', since, 'since'),
    h('p', { class: 'form-error', role: 'alert' }),
    h('button', { type: 'submit' }, 'Apply'),
  );

  async function list(append: boolean): Promise<void> {
    if (!append) {
      cursor = undefined;
      paged = false;
    }
    try {
      const page = await api<{ items: Summary[]; cursor?: string }>(
        'GET',
        `/deliveries${ctx.q({
          endpointId: endpoint.value || undefined,
          status: status.value || undefined,
          eventType: eventType.value || undefined,
          since: since.value ? new Date(since.value).toISOString() : undefined,
          limit: '25',
          cursor: append ? cursor : undefined,
        })}`,
      );
      clearErrors(filters);
      // The API filters by endpoint, status, event type and time (a filtered page may be short).
      const items = page.items;
      const built = items.map((d) =>
        h(
          'tr',
          { 'data-delivery': d.id, class: d.status },
          h('td', {}, time(d.createdAt)),
          h('td', {}, h('code', {}, d.eventType)),
          h('td', {}, h('span', { class: `badge ${d.status}` }, d.status)),
          h('td', {}, String(d.attemptCount)),
          h('td', {}, outcome(d)),
          h(
            'td',
            {},
            h(
              'button',
              { type: 'button', class: 'link', onclick: () => void open(d.id) },
              `Open ${d.id.slice(0, 14)}…`,
            ),
          ),
        ),
      );
      if (append) rows.append(...built);
      else
        mount(
          rows,
          built.length ? built : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No deliveries match.')),
        );
      cursor = page.cursor;
      more.hidden = !cursor;
    } catch (error) {
      showError(filters, error);
    }
  }

  async function open(id: string): Promise<void> {
    try {
      const d = await api<Detail>('GET', `/deliveries/${encodeURIComponent(id)}${ctx.q()}`);
      const result = h('p', { role: 'status' });
      mount(
        detail,
        h('h3', {}, 'Delivery ', h('code', {}, d.id)),
        h(
          'dl',
          { class: 'facts' },
          [
            ['Status', h('span', { class: `badge ${d.status}` }, d.status)],
            ['Event', `${d.eventType} (${d.eventId})`],
            ['Endpoint', d.request.url ?? d.endpointId],
            ['Created', time(d.createdAt)],
            ['Attempts', String(d.attemptCount)],
            d.nextAttemptAt ? ['Next attempt', time(d.nextAttemptAt)] : null,
            d.failureReason ? ['Failure', d.failureReason] : null,
            d.replayOf ? ['Replay of', d.replayOf] : null,
          ]
            .filter((x): x is [string, string | HTMLElement] => x !== null)
            .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
        ),
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'primary',
              disabled: d.status === 'pending',
              title: d.status === 'pending' ? 'A delivery can be replayed once it has finished' : undefined,
              onclick: async () => {
                try {
                  const out = await api<{ id: string }>(
                    'POST',
                    `/deliveries/${encodeURIComponent(d.id)}/replay${ctx.q()}`,
                  );
                  result.textContent = `Replay queued as ${out.id}.`;
                  void list(false);
                } catch (error) {
                  result.textContent = (error as Error).message;
                }
              },
            },
            'Replay',
          ),
          h('button', { type: 'button', onclick: () => detail.replaceChildren() }, 'Close'),
        ),
        result,
        d.request.body !== null ? [h('h4', {}, 'Request body'), h('pre', {}, d.request.body)] : null,
        h('h4', {}, `Attempts (${d.attempts.length})`),
        d.attempts.length === 0 ? h('p', { class: 'empty' }, 'Not attempted yet.') : null,
        h(
          'ol',
          { class: 'attempts' },
          d.attempts.map((a) =>
            h(
              'li',
              { class: 'attempt' },
              h(
                'p',
                { class: 'meta' },
                `#${a.number} · ${time(a.startedAt)} · ${a.durationMs} ms · `,
                a.responseStatus !== undefined ? `HTTP ${a.responseStatus}` : 'no response',
                a.errorClass ? ` · ${a.errorClass}` : '',
                a.errorMessage ? ` · ${a.errorMessage}` : '',
              ),
              headersTable(a.requestHeaders),
              a.responseBody ? [h('h5', {}, 'Response (first 4 KB)'), h('pre', {}, a.responseBody)] : null,
            ),
          ),
        ),
      );
      detail.focus();
    } catch (error) {
      mount(detail, h('p', { role: 'alert', class: 'alert' }, (error as Error).message));
    }
  }

  more.addEventListener('click', () => {
    paged = true;
    void list(true);
  });

  mount(
    view,
    h('h2', {}, 'Deliveries'),
    filters,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'log' },
        h('caption', {}, 'Newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Created', 'Event type', 'Status', 'Attempts', 'Last answer', ''].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        rows,
      ),
    ),
    more,
    detail,
  );

  void (async () => {
    try {
      const page = await api<{ items: EndpointView[] }>('GET', `/endpoints${ctx.q({ limit: '100' })}`);
      for (const ep of page.items) endpoint.append(h('option', { value: ep.id }, ep.url));
      const chosen = options.endpointId ?? page.items[0]?.id;
      if (chosen) endpoint.value = chosen;
      else status.value = 'failed';
    } finally {
      await list(false);
      if (options.deliveryId) await open(options.deliveryId);
    }
  })();

  return () => {
    if (!paged) void list(false);
  };
}

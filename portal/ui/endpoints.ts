/** Endpoints: add (the secret shown once), edit, disable/enable, rotate, test, recover, delete. */
import { api, clearErrors, showError } from './api';
import { field, h, mount, time } from './dom';
import type { Ctx } from './main';
import type { EndpointView } from './types';

function secretBox(title: string, secret: string): HTMLElement {
  const input = h('input', {
    readonly: true,
    value: secret,
    class: 'secret',
    'aria-label': 'Signing secret',
  });
  const copied = h('span', { role: 'status', class: 'hint' });
  return h(
    'section',
    { class: 'secret-box', 'aria-label': title },
    h('h3', {}, title),
    h('p', {}, 'Copy it now: it is shown only this once.'),
    input,
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          input.select();
          try {
            await navigator.clipboard.writeText(secret);
            copied.textContent = 'Copied.';
          } catch {
            copied.textContent = 'Selected: press Ctrl+C (Cmd+C) to copy.';
          }
        },
      },
      'Copy secret',
    ),
    copied,
  );
}

function eventsControl(ctx: Ctx, selected: readonly string[]): HTMLSelectElement {
  const select = h('select', { multiple: true, size: Math.min(6, ctx.catalog.length + 1) });
  select.append(h('option', { value: '*', selected: selected.includes('*') }, 'All event types (*)'));
  for (const t of ctx.catalog)
    select.append(h('option', { value: t.type, selected: selected.includes(t.type) }, t.type));
  return select;
}

function endpointForm(
  ctx: Ctx,
  initial: Partial<EndpointView>,
  submitLabel: string,
  onSubmit: (input: Record<string, unknown>, form: HTMLFormElement) => Promise<void>,
  onCancel?: () => void,
): HTMLFormElement {
  const url = h('input', {
    type: 'url',
    required: true,
    value: initial.url ?? '',
    placeholder: 'https://example.com/webhooks',
  });
  const events = eventsControl(ctx, initial.events ?? []);
  const description = h('input', { type: 'text', value: initial.description ?? '', maxlength: 500 });
  const ordering = h(
    'select',
    {},
    h(
      'option',
      { value: 'sequential', selected: initial.ordering !== 'strict' },
      'Sequential (in order, failures retried later)',
    ),
    h(
      'option',
      { value: 'strict', selected: initial.ordering === 'strict' },
      'Strict (each waits for the one before)',
    ),
  );
  const form = h(
    'form',
    {
      class: 'card form',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const input = {
          url: url.value.trim(),
          events: [...events.selectedOptions].map((o) => o.value),
          description: description.value,
          ordering: ordering.value,
        };
        try {
          await onSubmit(input, form);
        } catch (error) {
          showError(form, error);
        }
      },
    },
    field('URL', url, 'url'),
    field('Events', events, 'events', 'Ctrl/Cmd-click to pick several.'),
    field('Description', description, 'description'),
    field('Ordering', ordering, 'ordering'),
    h('p', { class: 'form-error', role: 'alert' }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, submitLabel),
      onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null,
    ),
  );
  return form;
}

export function endpointsView(view: HTMLElement, ctx: Ctx): void {
  const list = h('div', { class: 'list', 'aria-live': 'polite' });
  const notice = h('div');
  const load = async () => {
    try {
      const items: EndpointView[] = [];
      let cursor: string | undefined;
      do {
        const page = await api<{ items: EndpointView[]; cursor?: string }>(
          'GET',
          `/endpoints${ctx.q({ limit: '100', cursor })}`,
        );
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      mount(
        list,
        items.length ? items.map((ep) => card(ep)) : h('p', { class: 'empty' }, 'No endpoints yet.'),
      );
    } catch (error) {
      mount(list, h('p', { role: 'alert', class: 'alert' }, (error as Error).message));
    }
  };

  const act = async (what: () => Promise<void>, form?: HTMLElement) => {
    try {
      await what();
    } catch (error) {
      if (form) showError(form, error);
      else ctx.notify((error as Error).message);
    }
  };

  function card(ep: EndpointView): HTMLElement {
    const el = h('article', { class: 'card endpoint', 'data-endpoint': ep.id });
    const path = (suffix = '') => `/endpoints/${encodeURIComponent(ep.id)}${suffix}${ctx.q()}`;
    const extra = h('div', { class: 'form-error', role: 'alert' });
    const render = () =>
      mount(
        el,
        h(
          'h3',
          {},
          h('span', { class: 'url' }, ep.url),
          ' ',
          h('span', { class: `badge ${ep.status}` }, ep.status),
        ),
        ep.description ? h('p', {}, ep.description) : null,
        h(
          'p',
          { class: 'meta' },
          `Events: ${ep.events.join(', ')} · ${ep.ordering} · created ${time(ep.createdAt)} · `,
          h('code', {}, ep.id),
        ),
        ep.disabledReason ? h('p', { class: 'meta' }, `Disabled: ${ep.disabledReason}`) : null,
        ep.failingSince && ep.status === 'enabled'
          ? h('p', { class: 'meta' }, `Failing since ${time(ep.failingSince)}`)
          : null,
        ep.status === 'disabled'
          ? h('p', { class: 'meta' }, 'New events are held and sent in order when you enable it.')
          : null,
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                mount(
                  el,
                  endpointForm(
                    ctx,
                    ep,
                    'Save',
                    async (input) => {
                      await api('PATCH', path(), input);
                      ctx.notify('Endpoint saved.');
                      await load();
                    },
                    render,
                  ),
                ),
            },
            'Edit',
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                act(async () => {
                  await api('PATCH', path(), { status: ep.status === 'enabled' ? 'disabled' : 'enabled' });
                  ctx.notify(ep.status === 'enabled' ? 'Endpoint disabled.' : 'Endpoint enabled.');
                  await load();
                }),
            },
            ep.status === 'enabled' ? 'Disable' : 'Enable',
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                act(async () => {
                  const out = await api<{ secret: string }>('POST', path('/rotate-secret'), {});
                  extra.replaceChildren(secretBox('New signing secret', out.secret));
                }),
            },
            'Rotate secret',
          ),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                act(async () => {
                  const out = await api<{ deliveryId?: string; id?: string }>('POST', path('/test'));
                  ctx.notify(`Test ping queued (${out.deliveryId ?? out.id ?? 'queued'}).`);
                }),
            },
            'Send test',
          ),
          h(
            'button',
            { type: 'button', onclick: () => extra.replaceChildren(recoverForm(path('/recover'))) },
            'Recover…',
          ),
          h(
            'button',
            { type: 'button', onclick: () => ctx.show('deliveries', { endpointId: ep.id }) },
            'View deliveries',
          ),
          h(
            'button',
            { type: 'button', class: 'danger', onclick: () => extra.replaceChildren(confirmDelete()) },
            'Delete…',
          ),
        ),
        extra,
      );
    const confirmDelete = () => {
      const yes = h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () =>
            act(async () => {
              await api('DELETE', path());
              ctx.notify('Endpoint deleted.');
              await load();
            }),
        },
        'Yes, delete',
      );
      const box = h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': 'Confirm delete' },
        h('p', {}, `Delete ${ep.url}? Its deliveries stop.`),
        yes,
        h('button', { type: 'button', onclick: () => extra.replaceChildren() }, 'Cancel'),
      );
      queueMicrotask(() => yes.focus());
      return box;
    };
    const recoverForm = (url: string) => {
      const since = h('input', { type: 'datetime-local', required: true, step: 1 });
      const form = h(
        'form',
        {
          class: 'inline',
          onsubmit: (e: Event) => {
            e.preventDefault();
            void act(async () => {
              const at = since.value ? new Date(since.value).toISOString() : '';
              const out = await api<{ requeued: number }>('POST', url, { since: at });
              ctx.notify(`${out.requeued} failed deliveries queued again.`);
              extra.replaceChildren();
            }, form);
          },
        },
        field('Recover failed deliveries since', since, 'since'),
        h('p', { class: 'form-error', role: 'alert' }),
        h('button', { type: 'submit' }, 'Recover'),
      );
      return form;
    };
    render();
    return el;
  }

  const created = h('div');
  const add = endpointForm(ctx, {}, 'Add endpoint', async (input, form) => {
    const out = await api<{ secret: string; url: string }>('POST', `/endpoints${ctx.q()}`, {
      ...input,
      ...(ctx.operator ? { tenantId: ctx.tenantId } : {}),
    });
    form.reset();
    clearErrors(form);
    created.replaceChildren(secretBox(`Signing secret for ${out.url}`, out.secret));
    ctx.notify('Endpoint added.');
    await load();
  });
  mount(
    view,
    h('h2', {}, 'Endpoints'),
    notice,
    h('details', { class: 'add' }, h('summary', {}, 'Add an endpoint'), add),
    created,
    list,
  );
  void load();
}

/** A tiny DOM builder: `h('button', { onclick }, 'Save')`. Text is always set as text, never as HTML. */
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;
export type Child = Node | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A labelled form control: the label is tied to the control, and an error slot follows it. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  name: string,
  hint?: string,
): HTMLDivElement {
  control.id ||= `f${++ids}`;
  control.name = name;
  const error = h('p', {
    class: 'field-error',
    id: `${control.id}-error`,
    'data-error-for': name,
    role: 'alert',
  });
  control.setAttribute('aria-describedby', `${control.id}-error`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('p', { class: 'hint' }, hint) : null,
    error,
  );
}

export const time = (iso: string | number | undefined) =>
  iso === undefined
    ? ''
    : new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

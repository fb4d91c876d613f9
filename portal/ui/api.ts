/** The portal API, with the page's token; errors come back in words, with the fields at fault. */
import type { FieldIssue } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'portal-token';

/** The token: from the link's fragment (then removed from the address bar), or this tab's storage. */
export function takeToken(): string | undefined {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromLink = hash.get('token');
  if (fromLink) {
    sessionStorage.setItem(TOKEN_KEY, fromLink);
    history.replaceState(null, '', location.pathname + location.search);
    return fromLink;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Called with the message when the token stops working (expired): the page asks to sign in again. */
let onSignedOut: (message: string) => void = () => {};
export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

let token: string | undefined;
export function useToken(value: string | undefined): void {
  token = value;
}

/** Calls `/portal/v1/<path>` (relative to the page, so a stage prefix works too). */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`portal/v1${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token ?? ''}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'The service could not be reached; check your connection and try again.');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const error = (json as { error?: { message?: string; fields?: FieldIssue[] }; message?: string }) ?? {};
  // On AWS the token authorizer answers before the service: API Gateway's own 401 (no token) or 403
  // (token refused: expired or altered), with `{"message": ...}` instead of our `{"error": ...}`.
  const fromGateway = error.error === undefined && (response.status === 401 || response.status === 403);
  const message = fromGateway
    ? 'The portal token is no longer valid; open a new portal link (sign in again).'
    : (error.error?.message ?? error.message ?? `The service answered ${response.status}`);
  if (response.status === 401 || fromGateway) {
    sessionStorage.removeItem(TOKEN_KEY);
    onSignedOut(message);
  }
  throw new ApiError(response.status, message, error.error?.fields ?? []);
}

export function clearErrors(form: HTMLElement): void {
  for (const slot of form.querySelectorAll<HTMLElement>('[data-error-for], .form-error'))
    slot.textContent = '';
}

/** Shows an API error in a form: each field's message next to it, the rest in the form's alert. */
export function showError(form: HTMLElement, error: unknown): void {
  clearErrors(form);
  const alert = form.querySelector<HTMLElement>('.form-error');
  const apiError = error instanceof ApiError ? error : new ApiError(0, String(error));
  const unplaced: string[] = [];
  for (const issue of apiError.fields) {
    const top = issue.field.split('.')[0] ?? '';
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(top)}"]`);
    if (slot) slot.textContent = issue.message;
    else unplaced.push(issue.field ? `${issue.field}: ${issue.message}` : issue.message);
  }
  if (alert)
    alert.textContent =
      apiError.fields.length && !unplaced.length
        ? 'Please fix the fields marked.'
        : unplaced.join('; ') || apiError.message;
}

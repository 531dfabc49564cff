// Calls to the gateway's REST API. Every failure becomes an ApiError carrying the
// message the API wrote ({"error": {"message", "fieldViolations", "requestId"}}),
// or a readable one when the answer is not the API's JSON (gateway down, a proxy's
// HTML page): the console never shows a raw response or a stack trace.

import { t } from './i18n';

export interface FieldViolation {
  field: string;
  description: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number, // HTTP status; 0 when the gateway could not be reached
    readonly code: string = '', // e.g. INVALID_ARGUMENT
    readonly violations: FieldViolation[] = [],
    readonly requestId: string = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

let token = '';
let onUnauthenticated: (() => void) | null = null;

/** setToken sets the bearer token sent with every call, and what to do when it is refused. */
export function setToken(tok: string, unauthenticated: (() => void) | null): void {
  token = tok;
  onUnauthenticated = unauthenticated;
}

export function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function send(method: string, path: string, body: unknown, query?: Query, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp: Response;
  try {
    resp = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(t('err.network', { detail: (e as Error).message }), 0, 'UNAVAILABLE');
  }
  if (!resp.ok) throw await toError(resp);
  return resp;
}

async function toError(resp: Response): Promise<ApiError> {
  const requestId = resp.headers.get('X-Request-Id') ?? '';
  let text = '';
  try {
    text = await resp.text();
  } catch {
    // body unreadable: fall through to the generic message
  }
  try {
    const e = JSON.parse(text)?.error;
    if (e && typeof e.message === 'string' && e.message !== '') {
      const err = new ApiError(e.message, resp.status, e.status ?? '', e.fieldViolations ?? [], e.requestId ?? requestId);
      if (resp.status === 401 && onUnauthenticated) onUnauthenticated();
      return err;
    }
  } catch {
    // not JSON: the generic message below
  }
  if (resp.status === 401 && onUnauthenticated) onUnauthenticated();
  return new ApiError(t('err.http', { status: `${resp.status} ${resp.statusText}`.trim() }), resp.status, '', [], requestId);
}

/** api calls the REST API and decodes its JSON answer. */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
  const resp = await send(method, path, opts.body, opts.query);
  const text = await resp.text();
  if (!text) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(t('err.http', { status: resp.status }), resp.status);
  }
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T>(path: string, body: unknown, query?: Query) => api<T>('POST', path, { body, query });

/** isNotFound reports a 404 (reading something that does not exist, or is out of scope). */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}

/** download fetches a file with the token and hands it to the browser under the server's file name. */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const resp = await send('GET', path, undefined, query, '*/*');
  const blob = await resp.blob();
  const disposition = resp.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName;
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/**
 * requestId makes a mutating call safe to retry (the API remembers it): a random
 * UUID, built from getRandomValues because randomUUID exists only on https pages.
 */
export function requestId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

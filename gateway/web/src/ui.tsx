// Building blocks every page uses: loading and error states (the API's own
// message, its field violations and request id — never a raw stack), forms whose
// controls carry labels, and small display helpers.

import { Component, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { t } from './i18n';

export type AsyncState<T> =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ok'; data: T };

/**
 * useAsync runs load when deps change, showing the loading state; reload runs it
 * again keeping the data on screen until the new answer arrives (so a form's
 * success notice stays visible after the list under it refreshes). The promise
 * reload returns settles once the new answer (or error) is on screen, so an
 * action can say it is done only when the page shows its result.
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): AsyncState<T> & { reload: () => Promise<void> } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [n, setN] = useState(0);
  const seq = useRef(0);
  const lastN = useRef(0);
  const waiters = useRef<(() => void)[]>([]);
  useEffect(() => {
    const mine = ++seq.current;
    const reloading = n !== lastN.current;
    lastN.current = n;
    // A retry after an error shows the loading state; a refresh of data keeps it.
    setState((s) => (reloading && s.status === 'ok' ? s : { status: 'loading' }));
    const settle = (next: AsyncState<T>) => {
      if (mine !== seq.current) return;
      setState(next);
      const done = waiters.current;
      waiters.current = [];
      // After the render that shows the answer.
      setTimeout(() => done.forEach((f) => f()), 0);
    };
    load().then(
      (data) => settle({ status: 'ok', data }),
      (error) => settle({ status: 'error', error }),
    );
    // load closes over deps: the caller lists them
  }, [...deps, n]);
  const reload = useCallback(
    () =>
      new Promise<void>((resolve) => {
        waiters.current.push(resolve);
        setN((x) => x + 1);
      }),
    [],
  );
  return { ...state, reload };
}

/** useFollow reloads every ms while active: a background change (a computation, a delivery) in flight. */
export function useFollow(active: boolean, reload: () => unknown, ms: number): void {
  useEffect(() => {
    if (!active) return undefined;
    const id = setInterval(reload, ms);
    return () => clearInterval(id);
  }, [active]);
}

export function Loading({ label }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> {label ?? t('common.loading')}
    </p>
  );
}

/** messageOf is what a person should read about an error. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="error-box" role="alert">
      <strong>{t('err.title')}</strong>
      {api && api.status > 0 && <span class="error-code"> HTTP {api.status}{api.code ? ` ${api.code}` : ''}</span>}
      <p class="error-message">{messageOf(error)}</p>
      {api && api.violations.length > 0 && (
        <div>
          <p class="error-fields-title">{t('err.fields')}</p>
          <ul class="error-fields">
            {api.violations.map((v) => (
              <li key={v.field}>
                <code>{v.field}</code>: {v.description}
              </li>
            ))}
          </ul>
        </div>
      )}
      {api?.requestId && (
        <p class="error-request">
          {t('err.requestId')}: <code>{api.requestId}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" class="secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/** Async shows loading, the error (with retry) or the content. */
export function Async<T>({ state, children }: { state: AsyncState<T> & { reload: () => unknown }; children: (data: T) => ComponentChildren }) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <ErrorBox error={state.error} onRetry={() => void state.reload()} />;
  return <>{children(state.data)}</>;
}

/** useAction runs one user action at a time, keeping its error and success notice. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const run = useCallback(async (fn: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const msg = await fn();
      setDone(msg || '');
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(null);
    setDone('');
  }, []);
  return { busy, error, done, run, clear };
}

export function ActionResult({ action }: { action: ReturnType<typeof useAction> }) {
  return (
    <>
      {action.error != null && <ErrorBox error={action.error} />}
      {action.done && (
        <p class="notice ok" role="status">
          {action.done}
        </p>
      )}
    </>
  );
}

export function Badge({ kind, children }: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${kind ?? ''}`}>{children}</span>;
}

export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · ${t('app.short')}`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title">{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

let ids = 0;
/** useId gives a stable id for pairing a label with its control. */
export function useId(prefix = 'f'): string {
  const ref = useRef('');
  if (!ref.current) ref.current = `${prefix}-${++ids}`;
  return ref.current;
}

/** ErrorBoundary shows a page's rendering failure as a message, not a blank screen. */
export class ErrorBoundary extends Component<{ children: ComponentChildren; resetKey: string }, { error: unknown; key: string }> {
  state = { error: null as unknown, key: '' };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  componentDidCatch(error: unknown) {
    console.error('console page failed', error);
  }
  render() {
    if (this.state.error != null && this.state.key === this.props.resetKey) {
      return <ErrorBox error={new Error(t('err.page', { detail: messageOf(this.state.error) }))} onRetry={() => this.setState({ error: null })} />;
    }
    return this.props.children;
  }
  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: unknown; key: string }) {
    // A new route clears the previous page's failure.
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }
}

/** ManagerSelect picks one of managers, [employee number, name] pairs, shown as "name (number)". */
export function ManagerSelect({ id, managers, value, onChange }: { id: string; managers: [string, string][]; value: string; onChange: (v: string) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {managers.map(([m, name]) => (
        <option key={m} value={m}>
          {name} ({m})
        </option>
      ))}
    </select>
  );
}

/** idOf is the last segment of a resource name: managers/E3002 → E3002. */
export function idOf(name: string | undefined): string {
  if (!name) return '';
  const i = name.lastIndexOf('/');
  return i < 0 ? name : name.slice(i + 1);
}

/** percent shows a decimal string rate (0.75) as 75%. */
export function percent(value: string | undefined): string {
  if (value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? `${Math.round(n * 1000) / 10}%` : value;
}

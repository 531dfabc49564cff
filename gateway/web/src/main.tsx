// The console's shell: sign-in, then a header (who, language, sign out), the
// navigation of the sections the user's roles open, and the page of the route.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setToken } from './api';
import { label, lang, onLang, setLang, t } from './i18n';
import { SignIn } from './pages/signin';
import { match, navigate, useRoute } from './router';
import { groups, visibleSections, type Section } from './sections';
import { clearSession, expiredOnLoad, loadSession, saveSession, type Session } from './session';
import { ErrorBoundary, ErrorBox } from './ui';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState(() => (expiredOnLoad() ? t('err.expired') : ''));
  const [, setTick] = useState(0);
  useEffect(() => onLang(() => setTick((n) => n + 1)), []);

  // After an expiry the same person signs in again where they were; after signing
  // out, the next person starts on their own home page.
  const signOut = (msg = '', keepPlace = false) => {
    clearSession();
    if (!keepPlace) history.replaceState(null, '', location.pathname);
    setToken('', null);
    setNotice(msg);
    setSession(null);
  };
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          saveSession(s);
          setNotice('');
          setSession(s);
        }}
      />
    );
  }
  // Set while rendering, not in an effect: the pages' effects (their first calls)
  // run before this component's own.
  setToken(session.token, () => signOut(t('err.expired'), true));
  return <Shell session={session} onSignOut={() => signOut()} />;
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const mine = visibleSections(session);
  const home = mine.find((s) => s.render && s.nav);
  let page: Section | undefined;
  let params: Record<string, string> = {};
  for (const s of mine) {
    const m = s.render ? match(s.path, route.path) : null;
    if (m) {
      page = s;
      params = m;
      break;
    }
  }
  // A component (not a call) so that each page keeps its own hooks.
  const PageComponent = page?.render;
  useEffect(() => {
    if (route.path === '/' && home) navigate(home.path);
  }, [route.path, home?.path]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <span class="brand">{t('app.title')}</span>
        <span class="spacer" />
        <span class="who">
          <strong>{session.name}</strong> <span class="muted">{session.user}</span> · {session.roles.map((r) => label('role.', r)).join('、')}
        </span>
        <button type="button" class="link" aria-label={t('lang.label')} onClick={() => setLang(lang() === 'zh' ? 'en' : 'zh')}>
          {t('lang.switch')}
        </button>
        <button type="button" class="link" onClick={onSignOut}>
          {t('nav.signOut')}
        </button>
      </header>
      <div class="body">
        <nav class="sidenav" aria-label={t('nav.label')}>
          {groups.map((g) => {
            const items = mine.filter((s) => s.group === g.id && s.nav);
            if (!items.length) return null;
            return (
              <div class="navgroup" key={g.id}>
                <h2>{t(g.title)}</h2>
                <ul>
                  {items.map((s) => {
                    const current = page?.path === s.path;
                    return (
                      <li key={s.path}>
                        <a href={s.href ?? `#${s.path}`} aria-current={current ? 'page' : undefined} class={current ? 'current' : ''}>
                          {t(s.title)}
                        </a>
                      </li>
                    );
                  })}
                </ul>
              </div>
            );
          })}
        </nav>
        <main id="main" tabIndex={-1}>
          <ErrorBoundary resetKey={route.path + '?' + route.params.toString()}>
            {PageComponent ? (
              <PageComponent key={page?.path} session={session} route={route} params={params} />
            ) : route.path === '/' ? (
              home ? null : <ErrorBox error={new Error(t('err.noAccess'))} />
            ) : (
              <>
                <ErrorBox error={new Error(t('err.notFound', { path: route.path }))} />
                {home && (
                  <a class="button secondary" href={`#${home.path}`}>
                    {t(home.title)}
                  </a>
                )}
              </>
            )}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}

// Any failure outside a page's boundary still ends in a message, not a blank page.
function fatal(e: unknown) {
  const root = document.getElementById('app');
  if (root && !root.querySelector('.shell, .signin')) {
    root.textContent = '';
    const p = document.createElement('p');
    p.className = 'error-box';
    p.setAttribute('role', 'alert');
    p.textContent = t('err.page', { detail: e instanceof Error ? e.message : String(e) });
    root.append(p);
  }
}
addEventListener('error', (e) => fatal(e.error ?? e.message));
addEventListener('unhandledrejection', (e) => fatal(e.reason));

render(<App />, document.getElementById('app') as HTMLElement);

// Sign-in: paste a bearer token from the bank's identity provider, or — only in
// `make run`, where the gateway serves /dev/users and /dev/token — pick a seeded
// user and let the gateway sign a token with the local key.

import { useState } from 'preact/hooks';
import { ApiError, get, post, setToken } from '../api';
import { formatTime } from '../dates';
import { label, lang, setLang, t } from '../i18n';
import { parseToken, type Session } from '../session';
import type { DevUser } from '../types';
import { ActionResult, Loading, useAction, useAsync, useId } from '../ui';

/** verify checks a token against the API (the gateway verifies its signature) before keeping it. */
async function verify(raw: string): Promise<Session> {
  let s: Session;
  try {
    s = parseToken(raw);
  } catch (e) {
    throw new Error(t('signin.badToken', { detail: (e as Error).message }));
  }
  if (s.expires && s.expires <= Date.now()) throw new Error(t('signin.expiredToken', { time: formatTime(new Date(s.expires).toISOString()) }));
  setToken(s.token, null);
  try {
    await get('/v1/orgUnits', { pageSize: 1 });
  } catch (e) {
    setToken('', null);
    throw e;
  }
  return s;
}

export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const users = useAsync(
    () =>
      get<{ users?: DevUser[] }>('/dev/users').then(
        (r) => r.users ?? [],
        (e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e)),
      ),
    [],
  );
  return (
    <main id="main" class="signin">
      <div class="signin-box">
        <div class="signin-top">
          <h1>{t('app.title')}</h1>
          <button type="button" class="link" aria-label={t('lang.label')} onClick={() => setLang(lang() === 'zh' ? 'en' : 'zh')}>
            {t('lang.switch')}
          </button>
        </div>
        <p class="muted">{t('signin.intro')}</p>
        {notice && (
          <p class="notice bad" role="alert">
            {notice}
          </p>
        )}
        {users.status === 'loading' && <Loading />}
        {users.status === 'ok' && users.data && <DevPicker users={users.data} onSignedIn={onSignedIn} />}
        <TokenForm onSignedIn={onSignedIn} />
      </div>
    </main>
  );
}

function DevPicker({ users, onSignedIn }: { users: DevUser[]; onSignedIn: (s: Session) => void }) {
  const [user, setUser] = useState(users.find((u) => u.roles.includes('customer_manager'))?.user ?? users[0]?.user ?? '');
  const action = useAction();
  const id = useId('devuser');
  const hint = useId('devhint');
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await post<{ token: string }>('/dev/token', { user });
      onSignedIn(await verify(r.token));
    });
  };
  return (
    <form class="card form dev-signin" onSubmit={submit}>
      <h2>{t('signin.dev')}</h2>
      <p id={hint} class="muted small-text">
        {t('signin.devHint')}
      </p>
      <label for={id}>{t('signin.user')}</label>
      <select id={id} name="user" aria-describedby={hint} value={user} onChange={(e) => setUser(e.currentTarget.value)}>
        {users.map((u) => (
          <option key={u.user} value={u.user}>
            {u.name} {u.user} · {u.roles.map((r) => label('role.', r)).join('、')} · {u.orgUnit}
          </option>
        ))}
      </select>
      <div>
        <button type="submit" disabled={action.busy || !user}>
          {t('signin.as')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

function TokenForm({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setTokenText] = useState('');
  const action = useAction();
  const id = useId('token');
  const hint = useId('tokenhint');
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => onSignedIn(await verify(token)));
  };
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{t('signin.token')}</h2>
      <label for={id}>{t('signin.tokenLabel')}</label>
      <textarea
        id={id}
        name="token"
        rows={4}
        spellcheck={false}
        autoComplete="off"
        aria-describedby={hint}
        value={token}
        onInput={(e) => setTokenText(e.currentTarget.value)}
      />
      <p id={hint} class="muted small-text">
        {t('signin.tokenHint')}
      </p>
      <div>
        <button type="submit" disabled={action.busy || token.trim() === ''}>
          {action.busy ? t('signin.checking') : t('signin.go')}
        </button>
      </div>
      <ActionResult action={action} />
    </form>
  );
}

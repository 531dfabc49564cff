// The signed-in user: a bearer token kept in localStorage (so the API explorer in
// the same browser uses it too) and the claims read from it. The gateway and the
// services verify the token on every call; the console reads the claims only to
// choose what to show.

export type Role =
  | 'customer_manager'
  | 'supervisor'
  | 'branch_head'
  | 'hr_officer'
  | 'committee'
  | 'administrator'
  | 'system';

export interface Session {
  token: string;
  /** Employee number (the token's sub). */
  user: string;
  name: string;
  roles: Role[];
  /** Home org unit id, e.g. team-lujiazui. */
  orgUnit: string;
  /** Expiry, milliseconds since the epoch (0: none). */
  expires: number;
}

const TOKEN_KEY = 'rmsuite.token';

/** parseToken reads a JWT's claims; it throws an Error saying what is wrong. */
export function parseToken(raw: string): Session {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`want three dot-separated parts, found ${parts.length}`);
  let claims: Record<string, unknown>;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
  } catch (e) {
    throw new Error(`the claims are not base64url JSON (${(e as Error).message})`);
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Error('the token names no subject (sub)');
  const roles = Array.isArray(claims.roles) ? (claims.roles.filter((r) => typeof r === 'string') as Role[]) : [];
  return {
    token,
    user: claims.sub,
    name: typeof claims.name === 'string' ? claims.name : claims.sub,
    roles,
    orgUnit: typeof claims.org_unit === 'string' ? claims.org_unit : '',
    expires: typeof claims.exp === 'number' ? claims.exp * 1000 : 0,
  };
}

let expiredAtLoad = false;

/** expiredOnLoad reports whether loadSession found the stored token expired (the sign-in page says so). */
export function expiredOnLoad(): boolean {
  return expiredAtLoad;
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(TOKEN_KEY);
    if (!raw) return null;
    const s = parseToken(raw);
    if (s.expires && s.expires <= Date.now()) {
      localStorage.removeItem(TOKEN_KEY);
      expiredAtLoad = true;
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  try {
    localStorage.setItem(TOKEN_KEY, s.token);
  } catch {
    // private mode: signed in for this page only
  }
}

export function clearSession(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

export function storedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

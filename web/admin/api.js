// Who the page acts as, and how that goes on a request: an admin JWT (kept
// in this tab's sessionStorage, sent as a Bearer header or the WebSocket's
// "bearer" subprotocol), or development auth (user_id/role query parameters,
// for a gateway started with --dev-auth). Plus the small fetch helpers.

const TOKEN_KEY = 'pubsub-admin-token';
const DEV_KEY = 'pubsub-admin-dev';

/** The signed-in identity: {token, user, role}; empty strings when not given. */
export const auth = { token: '', user: '', role: '' };

// From this tab's storage; /admin/?user_id=root&role=admin signs in with
// development auth.
export function loadAuth() {
  auth.token = sessionStorage.getItem(TOKEN_KEY) || '';
  const dev = JSON.parse(sessionStorage.getItem(DEV_KEY) || '{}');
  const query = new URLSearchParams(location.search);
  auth.user = query.get('user_id') || dev.user || '';
  auth.role = query.get('role') || dev.role || '';
}

export function saveAuth({ token, user, role }) {
  auth.token = token;
  auth.user = user;
  auth.role = role;
  if (auth.token) sessionStorage.setItem(TOKEN_KEY, auth.token);
  else sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.setItem(DEV_KEY, JSON.stringify({ user: auth.user, role: auth.role }));
}

export function forgetAuth() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(DEV_KEY);
}

export function signedIn() {
  return Boolean(auth.token || auth.user);
}

// The query parameters that carry development auth (none with a token).
export function authParams(params = new URLSearchParams()) {
  if (!auth.token && auth.user) {
    params.set('user_id', auth.user);
    if (auth.role) params.append('role', auth.role);
  }
  return params;
}

export function authHeaders() {
  return auth.token ? { Authorization: `Bearer ${auth.token}` } : {};
}

export function withQuery(path, params) {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

// The error text of a JSON error answer ({"error": "..."}), or the status line.
export async function errorOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') return body.error;
  } catch {}
  return `${response.status} ${response.statusText}`;
}

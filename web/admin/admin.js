// The admin page (docs/admin.md): live numbers from GET /api/admin/overview,
// a publish console whose form is generated from the gateway's AsyncAPI
// catalogue (GET /api/schema) and publishes with POST /api/admin/publish,
// and a live tail of any channel (a WebSocket with ?tail=true).
//
// Plain ES module, no dependencies, no build step. Text from the server or
// the schema is only ever set with textContent (never innerHTML).

const $ = (id) => document.getElementById(id);

const POLL_MS = 1000;
const MAX_TAIL_FRAMES = 200;
const TOKEN_KEY = 'pubsub-admin-token';
const DEV_KEY = 'pubsub-admin-dev';

// --- who we are ----------------------------------------------------------------

const auth = { token: '', user: '', role: '' };

function loadAuth() {
  auth.token = sessionStorage.getItem(TOKEN_KEY) || '';
  const dev = JSON.parse(sessionStorage.getItem(DEV_KEY) || '{}');
  // /admin/?user_id=root&role=admin signs in with development auth.
  const query = new URLSearchParams(location.search);
  auth.user = query.get('user_id') || dev.user || '';
  auth.role = query.get('role') || dev.role || '';
  $('token').value = auth.token;
  $('dev-user').value = auth.user;
  $('dev-role').value = auth.role;
  if (auth.user) $('dev-auth').open = true;
}

function saveAuth() {
  auth.token = $('token').value.trim();
  auth.user = $('dev-user').value.trim();
  auth.role = $('dev-role').value.trim();
  if (auth.token) sessionStorage.setItem(TOKEN_KEY, auth.token);
  else sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.setItem(DEV_KEY, JSON.stringify({ user: auth.user, role: auth.role }));
}

function signedIn() {
  return Boolean(auth.token || auth.user);
}

// The query parameters that carry development auth (none with a token).
function authParams(params = new URLSearchParams()) {
  if (!auth.token && auth.user) {
    params.set('user_id', auth.user);
    if (auth.role) params.append('role', auth.role);
  }
  return params;
}

function authHeaders() {
  return auth.token ? { Authorization: `Bearer ${auth.token}` } : {};
}

function withQuery(path, params) {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

function setStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle('error', isError);
  element.classList.toggle('muted', !isError);
}

// The error text of a JSON error answer ({"error": "..."}), or the status line.
async function errorOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') return body.error;
  } catch {}
  return `${response.status} ${response.statusText}`;
}

// --- live numbers --------------------------------------------------------------

let pollTimer = null;
let previous = null;  // the last overview, for rates

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
  previous = null;
}

function startPolling() {
  stopPolling();
  poll();
}

async function poll() {
  pollTimer = null;
  let response;
  try {
    response = await fetch(withQuery('/api/admin/overview', authParams()),
                           { headers: authHeaders(), cache: 'no-store' });
  } catch (error) {
    setStatus($('auth-status'), `The gateway did not answer: ${error.message}`, true);
    pollTimer = setTimeout(poll, POLL_MS);
    return;
  }
  if (!response.ok) {
    const message = await errorOf(response);
    setStatus($('auth-status'), `Refused (${response.status}): ${message}`, true);
    // 401/403: the token is not an admin's; waiting will not change that.
    if (response.status !== 401 && response.status !== 403) pollTimer = setTimeout(poll, POLL_MS);
    return;
  }
  const overview = await response.json();
  const who = auth.token ? 'with your token' : `as ${auth.user} (development auth)`;
  setStatus($('auth-status'), `Signed in ${who}: admin role '${overview.admin_role}'.`);
  renderOverview(overview, previous);
  previous = overview;
  if (signedIn()) pollTimer = setTimeout(poll, POLL_MS);
}

function formatUptime(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function sum(object) {
  return Object.values(object || {}).reduce((a, b) => a + b, 0);
}

function rate(now, before, seconds) {
  if (before === undefined || seconds <= 0) return '–';
  const value = Math.max(0, now - before) / seconds;
  return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

function renderOverview(o, before) {
  const r = o.replica;
  $('stat-connections').textContent = String(r.connections);
  $('stat-users').textContent = String(r.users);
  $('stat-topics').textContent = String(r.topics);
  $('stat-slow-consumer-closes').textContent = String(r.slow_consumer_closes);
  $('stat-overload-closes').textContent = String(r.overload_closes);
  if (o.cluster) {
    $('stat-cluster-connections').textContent = String(o.cluster.connections);
    $('stat-cluster-users').textContent = o.cluster.users + (o.cluster.users_exact ? '' : '+');
    $('stat-replicas').textContent = String(o.cluster.replicas);
  } else {
    for (const id of ['stat-cluster-connections', 'stat-cluster-users', 'stat-replicas']) {
      $(id).textContent = '?';
      $(id).title = o.cluster_error || '';
    }
  }
  const bus = o.bus;
  const state = bus.ready ? 'ready' : bus.connected ? 'connected, not ready' : 'DOWN';
  $('stat-bus').textContent = `${bus.kind}: ${state}`;
  $('stat-bus').classList.toggle('error', !bus.ready);
  const stats = bus.stats
      ? Object.entries(bus.stats).map(([k, v]) => `${k.replaceAll('_', ' ')} ${v}`).join(' · ')
      : 'in-process bus';
  $('bus-detail').textContent = `${bus.description} — ${stats}`;
  $('stat-uptime').textContent = formatUptime(o.uptime_seconds);
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;

  const seconds = before ? o.uptime_seconds - before.uptime_seconds : 0;
  const earlier = new Map((before?.events || []).map((e) => [e.type, e]));
  const tbody = $('events').tBodies[0];
  const rows = new Map([...tbody.rows].map((row) => [row.dataset.type, row]));
  for (const e of o.events) {
    let row = rows.get(e.type);
    if (!row) {
      row = tbody.insertRow();
      row.dataset.type = e.type;
      for (let i = 0; i < 8; i++) row.insertCell();
    }
    const b = earlier.get(e.type);
    const cells = [
      e.type, e.channel,
      rate(sum(e.published), b && sum(b.published), seconds),
      rate(e.delivered, b?.delivered, seconds),
      rate(sum(e.dropped), b && sum(b.dropped), seconds),
      `${e.published.http} / ${e.published.grpc} / ${e.published.admin}`,
      String(e.delivered),
      String(sum(e.dropped)),
    ];
    cells.forEach((text, i) => { row.cells[i].textContent = text; });
    row.cells[7].title = Object.entries(e.dropped).map(([k, v]) => `${k}: ${v}`).join(', ');
  }
  const refused = Object.entries(o.refused)
      .map(([source, reasons]) => `${source} ${sum(reasons)}` +
           (sum(reasons) ? ` (${Object.entries(reasons).filter(([, v]) => v)
                                  .map(([k, v]) => `${k} ${v}`).join(', ')})` : ''))
      .join(' · ');
  $('refused').textContent = `Publishes refused: ${refused}`;
}

// --- the catalogue -------------------------------------------------------------

let catalogue = null;
let eventTypes = [];  // [{type, description, channel, payload}]
let channels = [];    // [{name, address, params, rule}]

function resolve(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 16; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce((node, key) => node?.[key], catalogue);
  }
  return s || {};
}

async function loadCatalogue() {
  const response = await fetch('/api/schema', { cache: 'no-store' });
  if (!response.ok) throw new Error(await errorOf(response));
  catalogue = await response.json();
  channels = Object.entries(catalogue.channels || {}).map(([name, c]) => ({
    name,
    address: c.address,
    params: Object.keys(c.parameters || {}),
    rule: c['x-pubsub-access']?.rule || 'authenticated',
    role: c['x-pubsub-access']?.role || '',
    messages: Object.values(c.messages || {}).map((m) => resolve(m)),
  }));
  eventTypes = [];
  for (const channel of channels) {
    for (const message of channel.messages) {
      eventTypes.push({ type: message.name, description: message.description || '', channel,
                        payload: resolve(message.payload) });
    }
  }
  eventTypes.sort((a, b) => a.type.localeCompare(b.type));
  fillSelect($('event-type'), eventTypes.map((e) => [e.type, `${e.type}  (${e.channel.name})`]));
  fillSelect($('tail-channel'), channels.map((c) => [c.name, `${c.name}  ${c.address}`]));
  buildForm();
  tailChannelChanged();
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, text]) => {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    return option;
  }));
}

// --- the publish console -------------------------------------------------------

let formRoot = null;  // the generated form's tree: {collect() -> {has, value}}

// One generated input: its element, the path it fills ("data.id"), and how
// its text becomes JSON.
function leaf(container, name, schema, path, required, badge) {
  const s = resolve(schema);
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const label = document.createElement('label');
  const title = document.createElement('span');
  title.textContent = name + (required ? ' *' : '');
  label.append(title);
  if (badge) {
    const b = document.createElement('span');
    b.className = 'badge';
    b.textContent = badge;
    label.append(b);
  }
  const hint = document.createElement('span');
  hint.className = 'hint';
  let input;
  let kind = 'string';
  if (Array.isArray(s.enum) && (s.type === 'string' || s.type === undefined)) {
    input = document.createElement('select');
    fillSelect(input, [['', '(unset)'], ...s.enum.map((v) => [String(v), String(v)])]);
    kind = 'enum';
  } else if (s.type === 'boolean') {
    input = document.createElement('select');
    fillSelect(input, [['', '(unset)'], ['true', 'true'], ['false', 'false']]);
    kind = 'boolean';
  } else if (s.type === 'integer' || s.type === 'number' || isNumberLike(s)) {
    input = document.createElement('input');
    input.inputMode = 'decimal';
    kind = 'number';
    hint.textContent = s.type === 'integer' ? 'integer' : 'number';
  } else if (s.type === 'string') {
    input = document.createElement('input');
    if (s.format === 'date-time') {
      input.placeholder = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      hint.textContent = 'RFC 3339 timestamp';
    } else if (s.format || s.pattern) {
      hint.textContent = s.format || `pattern ${s.pattern}`;
    }
  } else {
    input = document.createElement('textarea');
    input.placeholder = s.type === 'array' ? '[ ... ]' : '{ ... }';
    kind = 'json';
    hint.textContent = 'JSON';
  }
  input.name = path;
  input.dataset.path = path;
  if (s.description) input.title = s.description;
  label.append(hint, input);
  const error = document.createElement('span');
  error.className = 'field-error';
  error.setAttribute('aria-live', 'polite');
  wrapper.append(label, error);
  container.append(wrapper);
  input.addEventListener('input', updatePreview);
  input.addEventListener('change', updatePreview);
  return {
    path,
    input,
    error,
    collect() {
      const text = input.value;
      if (text === '') return kind === 'string' && required ? { has: true, value: '' } : { has: false };
      switch (kind) {
        case 'number': {
          // Not a number? Sent as typed: the server says what is wrong.
          const trimmed = text.trim();
          return { has: true, value: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed) &&
                                     Number.isSafeInteger(Math.trunc(Number(trimmed)))
                                         ? Number(trimmed) : text };
        }
        case 'boolean':
          return { has: true, value: text === 'true' };
        case 'json':
          try {
            return { has: true, value: JSON.parse(text) };
          } catch {
            return { has: true, value: text };
          }
        default:
          return { has: true, value: text };
      }
    },
  };
}

function isNumberLike(s) {
  return Array.isArray(s.anyOf) && s.anyOf.some((alt) => alt.type === 'number' || alt.type === 'integer');
}

// An object's fields: a fieldset each for nested messages (up to a depth),
// one input per scalar, a JSON textarea for the rest.
function group(container, schema, path, depth, scopeFields) {
  const s = resolve(schema);
  const required = new Set(s.required || []);
  const children = [];
  for (const [name, property] of Object.entries(s.properties || {})) {
    const p = resolve(property);
    if (p.const !== undefined) continue;  // "type": fixed by the event type
    const childPath = path ? `${path}.${name}` : name;
    if (p.type === 'object' && p.properties && depth < 4) {
      const fieldset = document.createElement('fieldset');
      const legend = document.createElement('legend');
      legend.textContent = name + (required.has(name) ? ' *' : '');
      if (p.description) legend.title = p.description;
      fieldset.append(legend);
      container.append(fieldset);
      const inner = group(fieldset, p, childPath, depth + 1, new Set());
      children.push({ name, required: required.has(name), node: inner });
    } else {
      const badge = scopeFields.has(name) ? 'scope' : '';
      children.push({ name, node: leaf(container, name, property, childPath, required.has(name), badge) });
    }
  }
  return {
    leaves: children.flatMap((c) => (c.node.leaves ? c.node.leaves : [c.node])),
    collect() {
      const value = {};
      let has = false;
      for (const child of children) {
        const got = child.node.collect();
        if (got.has) {
          value[child.name] = got.value;
          has = true;
        } else if (child.required && child.node.leaves) {
          value[child.name] = got.value;
          has = true;
        }
      }
      return { has, value };
    },
  };
}

function selectedEvent() {
  return eventTypes.find((e) => e.type === $('event-type').value);
}

function buildForm() {
  const event = selectedEvent();
  const fields = $('fields');
  fields.replaceChildren();
  clearPublishMessages();
  if (!event) return;
  $('event-description').textContent = event.description;
  // A scoped channel's parameter is a field of the event (its location says which).
  const scopeFields = new Set(event.channel.params);
  formRoot = group(fields, event.payload, '', 0, scopeFields);
  const personal = event.channel.rule === 'personal';
  $('to-hint').textContent = personal
      ? `${event.channel.name} is personal: give at least one user id; each receives it on their own topic.`
      : 'Optional: only these users receive it (empty: everybody on the topic).';
  updatePreview();
}

function eventBody() {
  const event = selectedEvent();
  const collected = formRoot ? formRoot.collect().value : {};
  return { type: event.type, ...collected };
}

function targets() {
  return $('to').value.split(',').map((u) => u.trim()).filter(Boolean);
}

function updatePreview() {
  if (!selectedEvent()) return;
  const query = targets().map((u) => `to=${encodeURIComponent(u)}`).join('&');
  $('preview').textContent = `POST /api/admin/publish${query ? `?${query}` : ''}\n` +
                             JSON.stringify(eventBody(), null, 2);
}

function clearPublishMessages() {
  $('publish-result').textContent = '';
  $('publish-error').textContent = '';
  for (const node of formRoot?.leaves || []) {
    node.error.textContent = '';
    node.input.removeAttribute('aria-invalid');
  }
}

// Shows the server's error next to the field its path names ("data.id: ..."),
// and above the button in any case.
function showPublishError(message) {
  $('publish-error').textContent = message;
  const match = /^([A-Za-z0-9_.[\]]+): /.exec(message);
  if (!match) return;
  const path = match[1].replace(/\[\d+\]/g, '');
  let best = null;
  for (const node of formRoot?.leaves || []) {
    if (path === node.path || path.startsWith(`${node.path}.`)) best = node;
  }
  if (best) {
    best.error.textContent = message.slice(match[0].length);
    best.input.setAttribute('aria-invalid', 'true');
  }
}

async function publish(submitEvent) {
  submitEvent.preventDefault();
  clearPublishMessages();
  if (!signedIn()) {
    $('publish-error').textContent = 'Sign in first (an admin token, or development auth).';
    return;
  }
  const params = authParams();
  for (const user of targets()) params.append('to', user);
  let response;
  try {
    response = await fetch(withQuery('/api/admin/publish', params), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify(eventBody()),
    });
  } catch (error) {
    $('publish-error').textContent = `The gateway did not answer: ${error.message}`;
    return;
  }
  if (response.ok) {
    const { id } = await response.json();
    $('publish-result').textContent = `Published ${selectedEvent().type}: id ${id}`;
  } else {
    showPublishError(await errorOf(response));
  }
}

// --- the live tail -------------------------------------------------------------

let tailSocket = null;

function selectedChannel() {
  return channels.find((c) => c.name === $('tail-channel').value);
}

function tailChannelChanged() {
  const channel = selectedChannel();
  const params = $('tail-params');
  params.replaceChildren();
  if (!channel) return;
  for (const name of channel.params) {
    const label = document.createElement('label');
    label.textContent = `${name} `;
    const input = document.createElement('input');
    input.name = `tail-param-${name}`;
    input.dataset.param = name;
    input.autocomplete = 'off';
    label.append(input);
    params.append(label);
  }
  $('tail-user-label').hidden = channel.rule !== 'personal';
}

function tailUrl(channel) {
  let address = channel.address;
  for (const input of $('tail-params').querySelectorAll('input[data-param]')) {
    address = address.replace(`{${input.dataset.param}}`, encodeURIComponent(input.value.trim()));
  }
  const params = authParams(new URLSearchParams({ tail: 'true' }));
  const user = $('tail-user').value.trim();
  if (channel.rule === 'personal' && user) params.set('user', user);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${withQuery(address, params)}`;
}

function addFrame(text) {
  const item = document.createElement('li');
  const time = document.createElement('span');
  time.className = 'muted';
  time.textContent = new Date().toLocaleTimeString();
  const pre = document.createElement('pre');
  try {
    pre.textContent = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    pre.textContent = text;
  }
  item.append(time, pre);
  const list = $('tail-frames');
  list.prepend(item);
  while (list.children.length > MAX_TAIL_FRAMES) list.lastElementChild.remove();
}

function stopTail() {
  if (tailSocket) {
    tailSocket.onclose = null;
    tailSocket.close(1000);
    tailSocket = null;
  }
  $('tail-stop').disabled = true;
}

function startTail(submitEvent) {
  submitEvent.preventDefault();
  stopTail();
  const channel = selectedChannel();
  if (!channel) return;
  if (!signedIn()) {
    setStatus($('tail-status'), 'Sign in first.', true);
    return;
  }
  const url = tailUrl(channel);
  const shown = url.replace(/([?&]user_id=)[^&]*/, '$1…');
  // The token travels as a subprotocol ("bearer", token), never in the URL.
  const socket = auth.token ? new WebSocket(url, ['bearer', auth.token]) : new WebSocket(url);
  tailSocket = socket;
  $('tail-stop').disabled = false;
  setStatus($('tail-status'), `Connecting to ${shown} …`);
  socket.onopen = () => setStatus($('tail-status'), `Tailing ${channel.name}: ${new URL(url).pathname}`);
  socket.onmessage = (message) => {
    if (typeof message.data === 'string') addFrame(message.data);
  };
  socket.onclose = (close) => {
    if (tailSocket !== socket) return;
    tailSocket = null;
    $('tail-stop').disabled = true;
    // A refused upgrade shows as 1006 with no reason: browsers hide the HTTP answer.
    const why = close.code === 1006
        ? 'refused or lost (check the token, the admin role and the scope)'
        : `${close.code} ${close.reason}`;
    setStatus($('tail-status'), `Tail closed: ${why}`, close.code !== 1000);
  };
}

// --- wiring --------------------------------------------------------------------

function signIn(submitEvent) {
  submitEvent?.preventDefault();
  saveAuth();
  if (!signedIn()) {
    setStatus($('auth-status'), 'Give an admin token (or a development-auth user).', true);
    stopPolling();
    return;
  }
  setStatus($('auth-status'), 'Signing in …');
  startPolling();
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(DEV_KEY);
  $('token').value = '';
  $('dev-user').value = '';
  $('dev-role').value = '';
  saveAuth();
  stopPolling();
  stopTail();
  setStatus($('auth-status'), 'Not signed in.');
}

$('auth').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);
$('event-type').addEventListener('change', buildForm);
$('to').addEventListener('input', updatePreview);
$('publish-form').addEventListener('submit', publish);
$('tail-channel').addEventListener('change', tailChannelChanged);
$('tail-form').addEventListener('submit', startTail);
$('tail-stop').addEventListener('click', () => {
  stopTail();
  setStatus($('tail-status'), 'Not tailing.');
});
$('tail-clear').addEventListener('click', () => $('tail-frames').replaceChildren());

loadAuth();
loadCatalogue().catch((error) => {
  $('publish-error').textContent = `Could not load the catalogue (/api/schema): ${error.message}`;
});
if (signedIn()) startPolling();

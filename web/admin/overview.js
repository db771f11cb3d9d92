// The live numbers: GET /api/admin/overview once a second while signed in,
// rendered as cards and a per-event-type table, with rates computed from the
// previous answer. Its answer also tells the sign-in status.

import { auth, authHeaders, authParams, errorOf, signedIn, withQuery } from './api.js';
import { $, setStatus } from './dom.js';

const POLL_MS = 1000;

let pollTimer = null;
let previous = null;  // the last overview, for rates

export function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
  previous = null;
}

export function startPolling() {
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
  renderEvents(o, before);
  renderRefused(o);
}

// One row per event type, kept across polls (updated in place).
function renderEvents(o, before) {
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
}

function renderRefused(o) {
  const refused = Object.entries(o.refused)
      .map(([source, reasons]) => `${source} ${sum(reasons)}` +
           (sum(reasons) ? ` (${Object.entries(reasons).filter(([, v]) => v)
                                  .map(([k, v]) => `${k} ${v}`).join(', ')})` : ''))
      .join(' · ');
  $('refused').textContent = `Publishes refused: ${refused}`;
}

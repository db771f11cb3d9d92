// Helpers for browser tests: real gateway and redis-server processes, a real
// Chromium (Debian's, driven by playwright-core), real WebSocket clients (ws).
// The Node counterpart of tests/integration/harness.py, with the same
// secrets and flags, so that the two kinds of test read alike.
//
//   import { test, after } from 'node:test';
//   import * as h from './harness.mjs';
//
//   const gateway = await h.startGateway({ args: ['--dev-auth'] });
//   const browser = await h.launchBrowser();
//   const page = await browser.newPage();
//   await page.goto(`${gateway.baseUrl}/demo/`);
//   const client = await h.connectWs(`${gateway.wsUrl}/ws/broadcasts?token=${h.token('ann')}`);
//   await h.publishHttp(gateway.baseUrl, { type: 'new_broadcast', data: {...} });
//   const frame = await client.next();
//
// Every process, browser and socket these functions start is stopped by PID in
// a node:test `after` hook that the harness registers (so also when a test
// fails), and SIGKILLed on process exit as a last resort: no test leaves a
// gateway, redis-server or Chromium behind. Nothing here sleeps and hopes:
// waits poll a condition with a generous bound (WAIT_MS) and fail with a
// message (and the gateway's stderr) when it never becomes true.
//
// Environment (set by tests/browser/CMakeLists.txt): PUBSUB_GATEWAY (the
// gateway binary), PUBSUB_CLI, PUBSUB_SOURCE_DIR; PUBSUB_CHROMIUM overrides
// /usr/bin/chromium.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

import { chromium } from 'playwright-core';
import WebSocket from 'ws';

export const GATEWAY = process.env.PUBSUB_GATEWAY || 'pubsub-gateway';
export const CLI = process.env.PUBSUB_CLI || 'pubsub';
export const SOURCE_DIR = process.env.PUBSUB_SOURCE_DIR || new URL('../..', import.meta.url).pathname;
export const CHROMIUM = process.env.PUBSUB_CHROMIUM || '/usr/bin/chromium';
// At least 32 bytes: the gateway refuses shorter HS256 secrets. The same
// values as tests/integration/harness.py.
export const SECRET = 'integration-test-secret-0123456789abcdef';
export const PUBLISHER_KEY = 'integration-test-publisher-key';
// A bound for waits on conditions that normally hold within milliseconds;
// only a broken gateway (or a very loaded machine) reaches it.
export const WAIT_MS = 20_000;

// --- cleanup -----------------------------------------------------------------

const cleanups = new Set();  // async functions that stop what was started
const livePids = new Set();  // for the exit handler's last resort

function track(stop) {
  const entry = async () => {
    cleanups.delete(entry);
    await stop();
  };
  cleanups.add(entry);
  return entry;
}

// Stops everything still running (gateways, redis-servers, browsers, sockets),
// newest first. Registered as an `after` hook; tests may call it earlier.
export async function stopAll() {
  const errors = [];
  for (const stop of [...cleanups].reverse()) {
    try {
      await stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length) throw errors[0];
}

after(stopAll);
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  track(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// --- small utilities ---------------------------------------------------------

// A TCP port that was free a moment ago on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls `condition` (sync or async; truthy ends the wait) every 20 ms and
// returns its value; throws "timed out waiting for <what>" (plus `details()`,
// if given) after `timeoutMs`.
export async function waitFor(condition, what, { timeoutMs = WAIT_MS, details } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      let message = `timed out waiting for ${what}`;
      if (lastError) message += ` (last error: ${lastError.message})`;
      if (details) message += `\n${details()}`;
      throw new Error(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

// Resolves with the exit code (or signal name) once `child` has exited.
function waitExit(child) {
  if (exited(child)) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

// SIGTERM, then SIGKILL after `graceMs`: the exit code (or signal name).
async function terminate(child, graceMs = 30_000) {
  if (!exited(child)) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await waitExit(child);
    clearTimeout(timer);
  }
  livePids.delete(child.pid);
  return child.exitCode ?? child.signalCode;
}

// --- redis-server --------------------------------------------------------------

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data;
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => socket.destroy());
  });
}

// A real redis-server on a free port, in its own temporary directory (no
// persistence). {url, port, pid, stop(), start()}: stop() loses every key, so
// a start() after it (same port) is a Redis restart without persistence and
// history begins a new epoch. `args` are extra redis-server flags.
export async function startRedis({ args = [] } = {}) {
  const dir = tempDir('pubsub-browser-redis-');
  const port = await freePort();
  const redis = { url: `redis://127.0.0.1:${port}`, port, pid: 0, child: null };
  redis.start = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                                         '--appendonly', 'no', '--dir', dir, ...args],
                        { stdio: ['ignore', 'ignore', 'pipe'] });
    livePids.add(child.pid);
    redis.child = child;
    redis.pid = child.pid;
    let stderr = '';
    child.stderr.on('data', (data) => { stderr += data; });
    await waitFor(async () => {
      if (exited(child)) throw new Error(`redis-server exited: ${stderr}`);
      return ping(port);
    }, `redis-server on port ${port}`);
  };
  redis.stop = () => terminate(redis.child);  // a no-op when it has exited
  track(() => redis.stop());                   // whatever runs when the test ends
  await redis.start();
  return redis;
}

// --- the gateway -------------------------------------------------------------

// A pubsub-gateway process ($PUBSUB_GATEWAY) on 127.0.0.1, ready (/readyz 200).
//
// Like harness.py's Gateway: a JWT secret file (SECRET) and a publisher key
// file (PUBLISHER_KEY) are written and passed (--jwt-secret-file unless
// `args` has --dev-auth; --publisher-key-file unless `publisherKey: false`),
// and --bus memory unless `args` names a --bus. `args` come last (a flag
// given twice takes the last value). --listen picks a free port unless
// `args` has one; restart() keeps the port.
//
// Returns {baseUrl, wsUrl, port, pid, stop(), kill(signal), restart(),
// stderr(), secretFile, keyFile}: stop() is SIGTERM and waits (its exit code);
// kill(signal = 'SIGKILL') sends a signal and waits for the exit; restart()
// stops it if it runs and starts it again with the same arguments.
export async function startGateway({ args = [], env = {}, publisherKey = true } = {}) {
  const dir = tempDir('pubsub-browser-gateway-');
  const secretFile = join(dir, 'jwt-secret');
  const keyFile = join(dir, 'publisher-key');
  writeFileSync(secretFile, `${SECRET}\n`);
  writeFileSync(keyFile, `${PUBLISHER_KEY}\n`);
  const has = (flag) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
  let port = 0;
  const listenAt = () => (has('--listen') ? [] : ['--listen', `127.0.0.1:${port}`]);
  const fixed = [];
  if (!has('--bus')) fixed.push('--bus', 'memory');
  if (publisherKey) fixed.push('--publisher-key-file', keyFile);
  if (!has('--dev-auth') && !has('--jwt-secret-file') && !has('--jwt-public-key-file')) {
    fixed.push('--jwt-secret-file', secretFile);
  }

  const gateway = { secretFile, keyFile, child: null, log: '' };
  const start = async () => {
    const argv = [...listenAt(), ...fixed, ...args];
    const child = spawn(GATEWAY, argv, { env: { ...process.env, ...env },
                                         stdio: ['ignore', 'pipe', 'pipe'] });
    gateway.child = child;
    livePids.add(child.pid);
    let stdout = '';
    child.stdout.on('data', (data) => { stdout += data; });
    child.stderr.on('data', (data) => { gateway.log += data; });
    const spawnError = new Promise((_, reject) => child.once('error', reject));
    const details = () => `command: ${GATEWAY} ${argv.join(' ')}\n--- gateway stdout ---\n${stdout}` +
                          `\n--- gateway stderr ---\n${gateway.log}`;
    const listening = waitFor(() => {
      if (exited(child)) throw new Error(`gateway exited (${child.exitCode ?? child.signalCode})`);
      const match = /listening on http:\/\/[\d.]+:(\d+)/.exec(stdout);
      return match && Number(match[1]);
    }, 'the gateway to listen', { details });
    port = await Promise.race([listening, spawnError]);
    Object.assign(gateway, { port, pid: child.pid, baseUrl: `http://127.0.0.1:${port}`,
                             wsUrl: `ws://127.0.0.1:${port}` });
    await waitFor(async () => {
      if (exited(child)) throw new Error(`gateway exited (${child.exitCode ?? child.signalCode})`);
      const response = await fetch(`${gateway.baseUrl}/readyz`);
      await response.arrayBuffer();
      return response.status === 200;
    }, 'the gateway to be ready (/readyz)', { details });
  };

  gateway.stop = () => terminate(gateway.child);
  gateway.kill = async (signal = 'SIGKILL') => {
    const child = gateway.child;
    if (!exited(child)) child.kill(signal);
    const code = await waitExit(child);
    livePids.delete(child.pid);
    return code;
  };
  gateway.restart = async () => {
    await gateway.stop();
    await start();
  };
  gateway.stderr = () => gateway.log;
  track(() => gateway.child && terminate(gateway.child));
  await start();
  return gateway;
}

// --- HTTP and WebSocket clients ----------------------------------------------

// POST /api/publish with `body` (an object, sent as JSON, or a string sent as
// is). `to`: a user id or an array of them (personal channels); `key`: the
// publisher key (default PUBLISHER_KEY; null sends no Authorization).
// Returns {status, body} with the body parsed when it is JSON.
export async function publishHttp(baseUrl, body, { to = [], key = PUBLISHER_KEY } = {}) {
  const query = new URLSearchParams();
  for (const user of [to].flat()) query.append('to', user);
  const url = `${baseUrl}/api/publish${query.size ? `?${query}` : ''}`;
  const headers = { 'Content-Type': 'application/json' };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(url, {
    method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

// An HS256 JWT of `claims` (an object: sub, roles, exp, ...) signed with `secret`.
export function makeJwt(secret, claims) {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

// A token for `user` with `roles`, valid for `expIn` seconds, signed with SECRET
// (what startGateway's gateways verify).
export function token(user, roles = [], { expIn = 3600, secret = SECRET } = {}) {
  const claims = { sub: user, exp: Math.floor(Date.now() / 1000) + expIn };
  if (roles.length) claims.roles = roles;
  return makeJwt(secret, claims);
}

// A WebSocket client (the ws package) that records what it receives:
// {ws, messages, next(timeoutMs), close()}. `next()` resolves with the next
// text frame not yet taken (as a string), in order. Resolves once open;
// rejects with the refusal's status and body if the upgrade is refused.
export function connectWs(url, { protocols, headers } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    const messages = [];
    let taken = 0;
    let waiter = null;
    const client = {
      ws,
      messages,
      closed: null,  // {code, reason} once closed
      next(timeoutMs = WAIT_MS) {
        if (taken < messages.length) return Promise.resolve(messages[taken++]);
        return new Promise((resolveNext, rejectNext) => {
          const timer = setTimeout(() => {
            waiter = null;
            rejectNext(new Error(`no WebSocket message within ${timeoutMs} ms on ${url}`));
          }, timeoutMs);
          waiter = () => {
            clearTimeout(timer);
            waiter = null;
            resolveNext(messages[taken++]);
          };
        });
      },
      close() {
        if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
        return new Promise((done) => {
          ws.once('close', () => done());
          ws.terminate();
        });
      },
    };
    ws.on('message', (data, isBinary) => {
      messages.push(isBinary ? data : data.toString());
      if (waiter) waiter();
    });
    ws.on('close', (code, reason) => { client.closed = { code, reason: reason.toString() }; });
    ws.on('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (data) => { body += data; });
      response.on('end', () => reject(Object.assign(
          new Error(`WebSocket refused: ${response.statusCode} ${body}`),
          { status: response.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () => {
      track(() => client.close());
      resolve(client);
    });
  });
}

// --- the browser -------------------------------------------------------------

// Debian's Chromium through playwright-core, headless, with a fresh profile
// (Playwright makes a temporary user-data dir per launch). Closed by the
// harness's after hook.
export async function launchBrowser({ args = [] } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run', ...args],
  });
  const pid = browser.process?.()?.pid;
  if (pid) livePids.add(pid);
  track(async () => {
    await browser.close().catch(() => {});
    if (pid) livePids.delete(pid);
  });
  return browser;
}

// Records a page's uncaught exceptions and console errors (failed requests
// included), for an assertion at the end of a test: `errors` is an array of
// strings that grows as they happen.
export function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

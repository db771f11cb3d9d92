// What the client's and the demo's browser tests share beyond harness.mjs: a
// redis-server that can be stopped and started again on the same port (to lose
// its data, as a restart without persistence does), the browser client driven
// inside a page served by the gateway, and the exact JSON the gateway writes
// for the sample events the tests publish.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

import { freePort, waitFor } from './harness.mjs';

const running = new Set();  // child processes this module started and has not stopped
after(async () => {
  for (const child of running) await stopChild(child);
});
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
});

async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
  running.delete(child);
}

async function redisPing(port) {
  const { createConnection } = await import('node:net');
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

// A redis-server without persistence on a free port that stop() and start()
// keep: stopping it loses every key, so the history starts a new epoch.
// {url, port, pid, stop(), start()}.
export async function restartableRedis({ args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pubsub-browser-redis-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const redis = { port, url: `redis://127.0.0.1:${port}`, child: null };
  redis.start = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                                         '--appendonly', 'no', '--dir', dir, ...args],
                        { stdio: 'ignore' });
    running.add(child);
    redis.child = child;
    redis.pid = child.pid;
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error('redis-server exited');
      return redisPing(port);
    }, `redis-server on port ${port}`);
  };
  redis.stop = () => stopChild(redis.child);
  await redis.start();
  return redis;
}

// A page whose origin is the gateway's (its /healthz), so that the client
// module loads from /client/pubsub-client.js as a page of that site would.
export async function pageAt(browser, baseUrl) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
  const response = await page.goto(`${baseUrl}/healthz`);
  if (!response.ok()) throw new Error(`GET /healthz: ${response.status()}`);
  return page;
}

// Starts the browser client in `page` with one subscription and records what
// it sees in window.__t: events ({raw, position, type}), recoveries (the
// onRecovery infos), clientRecoveries (the client-level "recovery" events),
// states ({state, detail, at}). `options` are the client's options except
// channels and WebSocket (`url` may be a list); the subscription is
// window.__t.subscription, the client window.__t.client.
export async function startClient(page, { channel = 'track_comments', params = { track_id: '42' },
                                          options = {} } = {}) {
  await page.evaluate(async ({ channel, params, options }) => {
    const { PubSubClient } = await import('/client/pubsub-client.js');
    const channels = {
      track_comments: { path: '/ws/comments/{track_id}', params: ['track_id'], access: 'authenticated', history: true },
      broadcasts: { path: '/ws/broadcasts', params: [], access: 'authenticated', history: false },
      book_requests_admin: { path: '/ws/book-requests/admin', params: [], access: 'role', history: false },
    };
    const t = { events: [], recoveries: [], clientRecoveries: [], states: [], errors: [] };
    window.__t = t;
    t.client = new PubSubClient({ channels, ...options });
    t.client.on('recovery', (event) => t.clientRecoveries.push(event));
    t.subscription = t.client.subscribe(channel, params, {}, {
      onEvent: (event, meta) => t.events.push({ raw: meta.raw, position: meta.position, type: event.type }),
      onRecovery: (info) => t.recoveries.push(info),
      onState: (state, detail) => t.states.push({ state, detail, at: performance.now() }),
      onError: (error) => t.errors.push(String(error)),
    });
  }, { channel, params, options });
}

// window.__t without the client objects.
export function recorded(page) {
  return page.evaluate(() => {
    const { client, subscription, ...rest } = window.__t;
    return { ...rest, position: subscription.position, state: subscription.state };
  });
}

// A new_comment event as published (an object) and its exact JSON as the
// gateway writes it (a string), written out by hand rather than derived.
export function comment(track, id, content = `c${id} é`) {
  const event = { type: 'new_comment', track_id: String(track),
                  data: { id, content, author: 'a', timestamp: 1.5, created_at: '2026-11-25T10:00:00Z' } };
  const json = `{"type":"new_comment","track_id":"${track}","data":{"id":${id},"content":"${content}",` +
               `"author":"a","timestamp":1.5,"created_at":"2026-11-25T10:00:00Z"}}`;
  return { event, json };
}

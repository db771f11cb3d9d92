// The demo page (web/demo/, served at /demo/) in Chromium, against real
// gateway processes:
//
// - events published over HTTP (/api/publish) and over gRPC (the pubsub CLI's
//   --grpc) reach the page with their exact JSON: non-ASCII, emoji, control
//   characters, quotes, backslashes, and markup that must stay text;
// - the page shows each subscription's state, and "NOT recovered" when Redis
//   restarted without persistence;
// - a page opened again (same profile) receives what it missed meanwhile: its
//   positions are in localStorage;
// - a JWT from ?token= (the bearer subprotocol) works like ?user_id=;
// - `make run`'s script (tools/run.sh) prints the demo link, its sample
//   publisher feeds the page, and Ctrl-C stops the gateway and the publisher.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import * as h from './harness.mjs';

const browser = await h.launchBrowser();
const kHistoryChannels = 3;  // track_comments, forum, notifications; broadcasts keeps none

async function openDemo(baseUrl, query, context = null) {
  const page = await (context ?? browser).newPage();
  const errors = h.collectErrors(page);
  const response = await page.goto(`${baseUrl}/demo/?${query}`);
  assert.equal(response.status(), 200);
  // Every subscription open, every history channel's verdict in.
  await h.waitFor(() => page.evaluate((n) => {
    const states = [...document.querySelectorAll('[data-field="state"]')].map((e) => e.dataset.state);
    return states.length === 4 && states.every((s) => s === 'open') && window.__recoveries.length === n;
  }, kHistoryChannels), 'the demo page to connect', {
    details: () => errors.join('\n'),
  });
  return { page, errors };
}

// {channel: [raw JSON, ...]} from window.__events, and from the page's text.
function received(page) {
  return page.evaluate(() => {
    const events = {};
    for (const e of window.__events) (events[e.channel] ??= []).push(e.raw);
    const shown = {};
    for (const pre of document.querySelectorAll('pre[data-event]')) {
      (shown[pre.dataset.channel] ??= []).unshift(pre.textContent);  // newest first on the page
    }
    return { events, shown };
  });
}

async function waitReceived(page, count) {
  return h.waitFor(async () => {
    const r = await received(page);
    return Object.values(r.events).flat().length >= count && r;
  }, `${count} events on the demo page`);
}

function cli(args) {
  return promisify(execFile)(h.CLI, args, { timeout: h.WAIT_MS });
}

test('events published over HTTP and gRPC reach the demo page with their exact JSON', async () => {
  const grpcPort = await h.freePort();
  const gateway = await h.startGateway({ args: ['--dev-auth', '--grpc-listen', `127.0.0.1:${grpcPort}`] });
  const { page, errors } = await openDemo(gateway.baseUrl, 'user_id=ann');
  assert.equal(await page.textContent('#identity'), 'ann (development auth)');

  // Over HTTP. The expected texts are written out as the gateway writes them.
  const http = [
    [{ type: 'new_broadcast', data: { id: 1, title: 'café ☕ 日本', content: 'emoji 🎉👍🏽 <b>not bold</b><img src=x onerror="window.__xss=1">', author: 'zoë', created_at: '2026-11-25T10:00:00Z' } },
     String.raw`{"type":"new_broadcast","data":{"id":1,"title":"café ☕ 日本","content":"emoji 🎉👍🏽 <b>not bold</b><img src=x onerror=\"window.__xss=1\">","author":"zoë","created_at":"2026-11-25T10:00:00Z"}}`],
    [{ type: 'new_comment', track_id: '42', data: { id: 7, content: 'ctl \u0001 \u001f nl \n tab \t quote " backslash \\ end', author: 'ann', timestamp: 12.5, created_at: '2026-11-25T10:00:00Z' } },
     String.raw`{"type":"new_comment","track_id":"42","data":{"id":7,"content":"ctl \u0001 \u001f nl \n tab \t quote \" backslash \\ end","author":"ann","timestamp":12.5,"created_at":"2026-11-25T10:00:00Z"}}`],
  ];
  for (const [event] of http) {
    const reply = await h.publishHttp(gateway.baseUrl, event);
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
  }
  const privateHttp = String.raw`{"type":"private_message","text":"für dich 💌 \"quoted\"\r\n"}`;
  assert.equal((await h.publishHttp(gateway.baseUrl, { type: 'private_message', text: 'für dich 💌 "quoted"\r\n' },
                                    { to: 'ann' })).status, 202);

  // Over gRPC, with the CLI.
  const grpc = ['--grpc', `127.0.0.1:${grpcPort}`, '--key-file', gateway.keyFile];
  await cli(['publish', 'new_post', JSON.stringify({ thread_id: '7', data: { id: 3, content: 'Grüße aus Köln 🥨 \u0002\\/', author: 'carol', created_at: '2026-11-25T10:00:00Z' } }), ...grpc]);
  const postGrpc = String.raw`{"type":"new_post","thread_id":"7","data":{"id":3,"content":"Grüße aus Köln 🥨 \u0002\\/","author":"carol","created_at":"2026-11-25T10:00:00Z"}}`;
  await cli(['publish', 'private_message', JSON.stringify({ text: 'psst ☕\t"日本"' }), '--to', 'ann', ...grpc]);
  const privateGrpc = String.raw`{"type":"private_message","text":"psst ☕\t\"日本\""}`;
  await cli(['publish', 'comment_deleted', JSON.stringify({ track_id: '42', data: { id: 7 } }), ...grpc]);
  const deletedGrpc = '{"type":"comment_deleted","track_id":"42","data":{"id":7}}';

  const r = await waitReceived(page, 6);
  await new Promise((resolve) => setTimeout(resolve, 200));  // nothing else may arrive
  const expected = {
    broadcasts: [http[0][1]],
    track_comments: [http[1][1], deletedGrpc],
    notifications: [privateHttp, privateGrpc],
    forum: [postGrpc],
  };
  const final = await received(page);
  assert.deepEqual(final.events, expected, 'window.__events: exactly the JSON the gateway sent');
  assert.deepEqual(final.shown, expected, 'the page shows the same text');
  void r;
  // Data is text, never markup.
  assert.equal(await page.evaluate(() => document.querySelectorAll('main img, main b').length), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  // Positions on history channels, none on broadcasts.
  const positions = await page.evaluate(() => window.__events.map((e) => [e.channel, typeof e.position]));
  for (const [channel, type] of positions) {
    assert.equal(type, channel === 'broadcasts' ? 'undefined' : 'string', channel);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the page shows "NOT recovered" when Redis lost the history, then goes on', async () => {
  const redis = await h.startRedis();
  const gateway = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const { page, errors } = await openDemo(gateway.baseUrl, 'user_id=ann&track=4242');
  const before = { type: 'new_comment', track_id: '4242', data: { id: 1, content: 'before', author: 'a', timestamp: 1, created_at: '2026-11-25T10:00:00Z' } };
  assert.equal((await h.publishHttp(gateway.baseUrl, before)).status, 202);
  await waitReceived(page, 1);
  const section = 'section[data-channel="track_comments"]';
  assert.equal(await page.textContent(`${section} [data-field="recovery"]`), 'recovered');

  await redis.stop();
  await redis.start();
  // The gateway catches up by itself once it has resubscribed: the history is gone.
  await h.waitFor(async () => (await page.textContent(`${section} [data-field="recovery"]`)).startsWith('NOT recovered'),
                  'the page to say NOT recovered');
  const after = { ...before, data: { ...before.data, id: 2, content: 'after' } };
  assert.equal((await h.publishHttp(gateway.baseUrl, after)).status, 202);
  await waitReceived(page, 2);
  const controls = await page.$$eval(`${section} pre[data-recovery="false"]`, (els) => els.map((e) => JSON.parse(e.textContent)));
  assert.equal(controls.length, 1);
  assert.equal(controls[0].recovered, false);
  assert.equal(controls[0].midStream, true);
  const shownPosition = await page.textContent(`${section} [data-field="position"]`);
  const last = await page.evaluate(() => window.__events.at(-1));
  assert.equal(last.raw, '{"type":"new_comment","track_id":"4242","data":{"id":2,"content":"after","author":"a","timestamp":1,"created_at":"2026-11-25T10:00:00Z"}}');
  assert.equal(last.position.split(':')[0], controls[0].position.split(':')[0], 'the event is of the new epoch');
  await h.waitFor(async () => (await page.textContent(`${section} [data-field="position"]`)) === last.position,
                  `the shown position to follow (${shownPosition})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a page opened again recovers what it missed meanwhile (positions in localStorage)', async () => {
  const gateway = await h.startGateway({ args: ['--dev-auth'] });
  const context = await browser.newContext();  // one profile: the pages share localStorage
  const post = (id) => ({ type: 'new_post', thread_id: '77', data: { id, content: `p${id}`, author: 'a' } });
  const json = (id) => `{"type":"new_post","thread_id":"77","data":{"id":${id},"content":"p${id}","author":"a"}}`;
  let { page, errors } = await openDemo(gateway.baseUrl, 'user_id=ann&thread=77', context);
  assert.equal((await h.publishHttp(gateway.baseUrl, post(1))).status, 202);
  await waitReceived(page, 1);
  assert.deepEqual(errors, []);
  await page.close();

  for (const id of [2, 3]) assert.equal((await h.publishHttp(gateway.baseUrl, post(id))).status, 202);
  ({ page, errors } = await openDemo(gateway.baseUrl, 'user_id=ann&thread=77', context));
  const r = await waitReceived(page, 2);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual((await received(page)).events, { forum: [json(2), json(3)] }, 'the missed posts, not the seen one');
  const verdict = await page.evaluate(() => window.__recoveries.find((x) => x.channel === 'forum'));
  assert.equal(verdict.recovered, true);
  assert.deepEqual(errors, []);
  void r;
  await context.close();
});

test('a JWT from ?token= (sent in the bearer subprotocol) works like ?user_id=', async () => {
  const gateway = await h.startGateway();  // JWT auth, no --dev-auth
  const { page, errors } = await openDemo(gateway.baseUrl, `token=${h.token('bob')}`);
  assert.equal((await h.publishHttp(gateway.baseUrl, { type: 'private_message', text: 'to bob ✓' }, { to: 'bob' })).status, 202);
  assert.equal((await h.publishHttp(gateway.baseUrl, { type: 'private_message', text: 'to ann' }, { to: 'ann' })).status, 202);
  assert.equal((await h.publishHttp(gateway.baseUrl, { type: 'new_broadcast', data: { id: 2, title: 't', content: 'c', author: 'a' } })).status, 202);
  await waitReceived(page, 2);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const r = await received(page);
  assert.deepEqual(r.events, {
    notifications: ['{"type":"private_message","text":"to bob ✓"}'],
    broadcasts: ['{"type":"new_broadcast","data":{"id":2,"title":"t","content":"c","author":"a"}}'],
  });
  assert.deepEqual(errors, []);
  await page.close();
});

test('make run (tools/run.sh): the demo link, sample events on the page, Ctrl-C stops gateway and publisher', async () => {
  const build = dirname(dirname(h.GATEWAY));  // <build>/server/pubsub-gateway
  const port = await h.freePort();
  const script = spawn('bash', [join(h.SOURCE_DIR, 'tools', 'run.sh'), build],
                       { cwd: h.SOURCE_DIR, env: { ...process.env, PORT: String(port) }, detached: true,
                         stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  script.stdout.on('data', (data) => { output += data; });
  script.stderr.on('data', (data) => { output += data; });
  const group = script.pid;  // detached: its own process group, like a terminal's job
  const groupAlive = () => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  const exited = new Promise((resolve) => script.once('exit', (code, signal) => resolve(code ?? signal)));
  try {
    const link = `http://127.0.0.1:${port}/demo/?user_id=ann`;
    await h.waitFor(() => output.includes(link), 'the demo link', { details: () => output });
    await h.waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the gateway', { details: () => output });
    const { page, errors } = await openDemo(`http://127.0.0.1:${port}`, 'user_id=ann');
    // The sample publisher runs every 2 s: one round reaches every subscription.
    const r = await h.waitFor(async () => {
      const got = await received(page);
      return ['broadcasts', 'track_comments', 'forum', 'notifications'].every((c) => got.events[c]?.length) && got;
    }, 'sample events on every subscription', { details: () => output });
    const broadcast = JSON.parse(r.events.broadcasts[0]);
    assert.equal(broadcast.type, 'new_broadcast');
    assert.match(broadcast.data.content, /café ☕/);
    assert.deepEqual(errors, []);
    await page.close();

    process.kill(-group, 'SIGINT');  // Ctrl-C in the terminal
    assert.equal(await exited, 130, output);
    // Nothing of the group is left: gateway and publisher are gone (a sleep of
    // the publisher's loop may take up to its 2 s to end).
    await h.waitFor(() => !groupAlive(), 'every process of make run to end', { timeoutMs: 5000 });
    await h.waitFor(async () => {
      try {
        await fetch(`http://127.0.0.1:${port}/healthz`);
        return false;
      } catch {
        return true;
      }
    }, 'the gateway to be gone');
  } finally {
    if (groupAlive()) process.kill(-group, 'SIGKILL');
  }
});

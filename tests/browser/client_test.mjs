// The browser client (client/, served by the gateway at /client/pubsub-client.js)
// in Chromium, against real gateway processes on a real redis-server:
//
// - a gateway stopped and started again on the same port while events are
//   published (through another replica): every event arrives exactly once, in
//   order, and the client is told it recovered;
// - the replica the client is on killed with SIGKILL while events flow: the
//   client moves to the surviving replica (its URL list), nothing lost;
// - Redis restarted without persistence (a new epoch): "not recovered" is
//   surfaced, mid-stream and on the reconnect's verdict, and the client moves on
//   from the new position;
// - reconnect backoff: full-jitter delays within their caps, reset after a
//   good connection, a refused channel given up after maxFailedOpens;
// - clean close: code 1000, the gateway sees the client go, no reconnect.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as h from './harness.mjs';
import { comment, pageAt, recorded, startClient } from './client_helpers.mjs';

const browser = await h.launchBrowser();

async function waitEvents(page, count, what) {
  return h.waitFor(async () => {
    const t = await recorded(page);
    return t.events.length >= count && t;
  }, what ?? `${count} events in the page`, {
    details: () => 'see the page state above',
  });
}

function seqOf(position) {
  return Number(position.split(':')[1]);
}

test('a gateway restarted on the same port: every event published meanwhile arrives once, in order', async () => {
  const redis = await h.startRedis();
  const gateway = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const publisher = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const page = await pageAt(browser, gateway.baseUrl);
  await startClient(page, {
    params: { track_id: '100' },
    options: { url: gateway.wsUrl, query: { user_id: 'ann' }, backoff: { initialMs: 100, maxMs: 500 } },
  });
  await h.waitFor(async () => (await recorded(page)).recoveries.length === 1, 'the first verdict');

  const expected = [];
  const publish = async (via, id) => {
    const { event, json } = comment(100, id);
    const reply = await h.publishHttp(via.baseUrl, event);
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    expected.push(json);
  };
  for (let id = 1; id <= 5; id++) await publish(gateway, id);
  await waitEvents(page, 5);

  await gateway.stop();
  await h.waitFor(async () => (await recorded(page)).state === 'reconnecting', 'the client to notice');
  for (let id = 6; id <= 25; id++) await publish(publisher, id);  // while the client's gateway is down
  await gateway.restart();
  await h.waitFor(async () => (await recorded(page)).recoveries.length === 2, 'the verdict after the restart');
  for (let id = 26; id <= 30; id++) await publish(gateway, id);

  const t = await waitEvents(page, 30);
  await new Promise((resolve) => setTimeout(resolve, 300));  // nothing more may come
  const final = await recorded(page);
  assert.deepEqual(final.events.map((e) => e.raw), expected, 'every event once, in order, as published');
  const seqs = final.events.map((e) => seqOf(e.position));
  assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1), 'consecutive positions');
  assert.deepEqual(final.recoveries.map((r) => [r.recovered, r.midStream]), [[true, false], [true, false]]);
  assert.equal(final.recoveries[1].position, final.events[24].position,
               'the verdict after the restart stands at the last event published during the outage');
  const states = final.states.map((s) => s.state);
  assert.deepEqual(states.slice(0, 2), ['connecting', 'open']);
  assert.ok(states.includes('reconnecting'));
  assert.equal(states.at(-1), 'open');
  assert.deepEqual(final.errors, []);
  assert.deepEqual(page.errors, []);
  void t;
  await page.close();
});

test('the replica the client is on is killed with SIGKILL: it moves to the other one, nothing lost', async () => {
  const redis = await h.startRedis();
  const first = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const second = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const page = await pageAt(browser, second.baseUrl);
  await startClient(page, {
    params: { track_id: '200' },
    options: { url: [first.wsUrl, second.wsUrl], query: { user_id: 'ann' },
               backoff: { initialMs: 50, maxMs: 400 } },
  });
  await h.waitFor(async () => (await recorded(page)).recoveries.length === 1, 'the first verdict');
  const firstUrl = (await recorded(page)).states.find((s) => s.state === 'open').detail.url;
  assert.ok(firstUrl.startsWith(first.wsUrl), `the client starts on the first replica: ${firstUrl}`);

  // Events flow through the surviving replica at a steady pace; the first one
  // is killed a third of the way through.
  const expected = [];
  for (let id = 1; id <= 90; id++) {
    if (id === 30) await first.kill('SIGKILL');
    const { event, json } = comment(200, id);
    const reply = await h.publishHttp(second.baseUrl, event);
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    expected.push(json);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await waitEvents(page, 90);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const t = await recorded(page);
  assert.deepEqual(t.events.map((e) => e.raw), expected, 'every event once, in order');
  assert.ok(t.recoveries.length >= 2, 'a verdict after the move');
  assert.ok(t.recoveries.every((r) => r.recovered), JSON.stringify(t.recoveries));
  const lastOpen = t.states.filter((s) => s.state === 'open').at(-1);
  assert.ok(lastOpen.detail.url.startsWith(second.wsUrl), `now on the second replica: ${lastOpen.detail.url}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Redis restarted without persistence: "not recovered" is surfaced, and the client goes on from the new epoch', async () => {
  const redis = await h.startRedis();
  const gateway = await h.startGateway({ args: ['--dev-auth', '--bus', redis.url] });
  const page = await pageAt(browser, gateway.baseUrl);
  await startClient(page, {
    params: { track_id: '300' },
    options: { url: gateway.wsUrl, query: { user_id: 'ann' }, backoff: { initialMs: 50, maxMs: 400 } },
  });
  await h.waitFor(async () => (await recorded(page)).recoveries.length === 1, 'the first verdict');
  const one = comment(300, 1);
  assert.equal((await h.publishHttp(gateway.baseUrl, one.event)).status, 202);
  await waitEvents(page, 1);
  const oldEpoch = (await recorded(page)).position.split(':')[0];

  // 1. The client stays connected while Redis loses everything.
  await redis.stop();
  await redis.start();
  // The gateway catches up by itself once it has resubscribed: the history is gone.
  let t = await h.waitFor(async () => {
    const r = await recorded(page);
    return r.recoveries.some((x) => !x.recovered) && r;
  }, 'a recovered:false control');
  const two = comment(300, 2);
  assert.equal((await h.publishHttp(gateway.baseUrl, two.event)).status, 202);
  t = await waitEvents(page, 2);
  const lost = t.recoveries.find((x) => !x.recovered);
  assert.equal(lost.midStream, true);
  assert.ok(lost.reason.length > 0);
  const newEpoch = lost.position.split(':')[0];
  assert.notEqual(newEpoch, oldEpoch, 'the control names the new epoch');
  assert.deepEqual(t.events.map((e) => e.raw), [one.json, two.json]);
  assert.equal(t.events[1].position.split(':')[0], newEpoch);
  assert.ok(t.clientRecoveries.some((e) => !e.recovered && e.path === '/ws/comments/300'),
            'the client-level recovery event too');

  // 2. A client that comes back with a position of a lost epoch: the verdict says so.
  await gateway.stop();
  await redis.stop();
  await redis.start();
  await gateway.restart();
  const before = t.recoveries.length;
  t = await h.waitFor(async () => {
    const r = await recorded(page);
    return r.recoveries.length > before && r;
  }, 'the verdict after the reconnect');
  const verdict = t.recoveries[before];
  assert.equal(verdict.recovered, false, JSON.stringify(verdict));
  assert.equal(verdict.midStream, false);
  assert.match(verdict.reason, /epoch|lost|ahead/);
  assert.equal(t.position, verdict.position, 'the verdict\'s position is adopted');
  const three = comment(300, 3);
  assert.equal((await h.publishHttp(gateway.baseUrl, three.event)).status, 202);
  t = await waitEvents(page, 3);
  assert.equal(t.events[2].raw, three.json);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('reconnect backoff: full-jitter delays within their caps, reset after a good connection', async () => {
  const gateway = await h.startGateway({ args: ['--dev-auth'] });
  const page = await pageAt(browser, gateway.baseUrl);
  const backoff = { initialMs: 100, maxMs: 800 };
  await startClient(page, {
    channel: 'broadcasts', params: {},
    options: { url: gateway.wsUrl, query: { user_id: 'ann' }, backoff },
  });
  await h.waitFor(async () => (await recorded(page)).state === 'open', 'open');

  await gateway.stop();
  // Let it fail for a while: about 3 s, enough for the delay to reach its cap.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  let t = await recorded(page);
  const retries = t.states.filter((s) => s.state === 'reconnecting');
  assert.ok(retries.length >= 5, `several attempts: ${retries.length}`);
  assert.ok(retries.length <= 40, `not a tight loop: ${retries.length}`);
  retries.forEach((s, i) => {
    assert.equal(s.detail.attempt, i + 1);
    const cap = Math.min(backoff.maxMs, backoff.initialMs * 2 ** i);
    assert.ok(s.detail.delayMs >= 0 && s.detail.delayMs < cap, `attempt ${i + 1}: ${s.detail.delayMs} < ${cap}`);
  });
  assert.equal(retries[0].detail.code, 1001, 'the first close is the gateway going away');
  assert.equal(retries[0].detail.opened, true);
  for (const s of retries.slice(1)) {
    assert.equal(s.detail.opened, false, 'later attempts fail before opening');
    assert.equal(s.detail.code, 1006);
  }
  // Spacing: the time between attempts follows the announced delays.
  for (let i = 1; i < retries.length; i++) {
    const gap = retries[i].at - retries[i - 1].at;
    assert.ok(gap >= retries[i - 1].detail.delayMs - 5, `gap ${gap} >= delay ${retries[i - 1].detail.delayMs}`);
  }

  await gateway.restart();
  await h.waitFor(async () => (await recorded(page)).state === 'open', 'open again');
  const ready = (await recorded(page)).states.length;
  // Another drop starts the backoff over.
  await gateway.stop();
  t = await h.waitFor(async () => {
    const r = await recorded(page);
    return r.states.length > ready && r;
  }, 'the next drop');
  assert.equal(t.states[ready].state, 'reconnecting');
  assert.equal(t.states[ready].detail.attempt, 1);
  assert.ok(t.states[ready].detail.delayMs < backoff.initialMs);
  await gateway.restart();
  await h.waitFor(async () => (await recorded(page)).state === 'open', 'open once more');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a channel the user may not join (403): failed opens are reported, and maxFailedOpens gives up', async () => {
  const gateway = await h.startGateway({ args: ['--dev-auth'] });
  const page = await pageAt(browser, gateway.baseUrl);
  await startClient(page, {
    channel: 'book_requests_admin', params: {},
    options: { url: gateway.wsUrl, query: { user_id: 'ann' }, backoff: { initialMs: 20, maxMs: 100 },
               maxFailedOpens: 3 },
  });
  const t = await h.waitFor(async () => {
    const r = await recorded(page);
    return r.state === 'closed' && r;
  }, 'the subscription to give up');
  assert.deepEqual(t.states.map((s) => s.state), ['connecting', 'reconnecting', 'reconnecting', 'closed']);
  for (const s of t.states.slice(1)) {
    assert.equal(s.detail.opened, false);
    assert.equal(s.detail.code, 1006, 'a browser only sees a failed open');
  }
  assert.match(t.states.at(-1).detail.reason, /gave up after 3/);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await recorded(page)).states.length, 4, 'no attempt after giving up');
  await page.close();
});

test('clean close: code 1000, the gateway sees the client go, no reconnect', async () => {
  const gateway = await h.startGateway({ args: ['--dev-auth'] });
  const page = await pageAt(browser, gateway.baseUrl);
  await startClient(page, {
    channel: 'broadcasts', params: {},
    options: { url: gateway.wsUrl, query: { user_id: 'ann' }, backoff: { initialMs: 20, maxMs: 50 } },
  });
  await h.waitFor(async () => (await recorded(page)).state === 'open', 'open');
  const connections = async () => {
    const response = await fetch(`${gateway.baseUrl}/api/stats?scope=replica`,
                                 { headers: { Authorization: `Bearer ${h.PUBLISHER_KEY}` } });
    assert.equal(response.status, 200);
    return (await response.json()).connections;
  };
  await h.waitFor(async () => (await connections()) === 1, 'the gateway to count the client');

  await page.evaluate(() => window.__t.subscription.close());
  await h.waitFor(async () => (await connections()) === 0, 'the gateway to see the client go');
  await new Promise((resolve) => setTimeout(resolve, 500));  // ten times the backoff cap
  const t = await recorded(page);
  assert.deepEqual(t.states.map((s) => s.state), ['connecting', 'open', 'closed']);
  assert.equal(t.states.at(-1).detail.code, 1000);
  assert.equal(await connections(), 0, 'no reconnect');
  // Events published now go nowhere.
  await h.publishHttp(gateway.baseUrl, { type: 'new_broadcast', data: { id: 1, title: 't', content: 'c',
                                                                      author: 'a' } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await recorded(page)).events.length, 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The admin page (web/admin/, docs/admin.md) in Chromium against a real
// gateway on a real Redis: its numbers change as WebSocket clients connect,
// its console publishes an event that a WebSocket client receives exactly and
// shows the server's validation error for bad input, its tail shows any
// channel's events, and a non-admin token is refused.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as h from './harness.mjs';

const ADMIN = h.token('root', ['admin']);
const COMMENT = {
  type: 'new_comment',
  track_id: '42',
  data: { id: 7, content: 'hello from the console', author: 'root', timestamp: 1.5 },
};

let gateway;
let browser;

before(async () => {
  const redis = await h.startRedis();
  gateway = await h.startGateway({ args: ['--bus', redis.url] });
  browser = await h.launchBrowser();
});

// A fresh page of /admin/, signed in with `token`.
async function openAdmin(token) {
  const page = await browser.newPage();
  const errors = h.collectErrors(page);
  await page.goto(`${gateway.baseUrl}/admin/`);
  await page.fill('#token', token);
  await page.click('#sign-in');
  return { page, errors };
}

function textOf(page, id, expected, what = `#${id} to read ${expected}`) {
  return page.waitForFunction(([i, e]) => document.getElementById(i)?.textContent === e,
                              [id, expected], { timeout: h.WAIT_MS })
      .catch(async (error) => {
        const actual = await page.textContent(`#${id}`);
        throw new Error(`timed out waiting for ${what} (it reads ${JSON.stringify(actual)}): ` +
                        error.message);
      });
}

function wsUrl(path, token) {
  return `${gateway.wsUrl}${path}${path.includes('?') ? '&' : '?'}token=${token}`;
}

describe('the admin page', () => {
  let page;
  let errors;

  before(async () => {
    ({ page, errors } = await openAdmin(ADMIN));
    await page.waitForFunction(() => document.getElementById('auth-status').textContent.startsWith('Signed in'),
                               null, { timeout: h.WAIT_MS });
  });

  test('shows live numbers that change as clients connect and leave', async () => {
    await textOf(page, 'stat-connections', '0');
    await textOf(page, 'stat-bus', 'redis: ready');
    const clients = [
      await h.connectWs(wsUrl('/ws/broadcasts', h.token('ann'))),
      await h.connectWs(wsUrl('/ws/broadcasts', h.token('bob'))),
      await h.connectWs(wsUrl('/ws/comments/42', h.token('ann'))),
    ];
    await textOf(page, 'stat-connections', '3');
    await textOf(page, 'stat-users', '2');
    await textOf(page, 'stat-topics', '2');
    await textOf(page, 'stat-cluster-connections', '3');
    await textOf(page, 'stat-replicas', '1');
    await clients[1].close();
    await textOf(page, 'stat-connections', '2');
    await textOf(page, 'stat-users', '1');
    await clients[0].close();
    await clients[2].close();
    await textOf(page, 'stat-connections', '0');
    await textOf(page, 'stat-topics', '0');
  });

  test('publishes from the console an event that a WebSocket client receives exactly', async () => {
    const client = await h.connectWs(wsUrl('/ws/comments/42', h.token('ann')));
    await page.selectOption('#event-type', 'new_comment');
    // The form is generated from the catalogue: the scope, the nested message's fields.
    await page.fill('[data-path="track_id"]', COMMENT.track_id);
    await page.fill('[data-path="data.id"]', String(COMMENT.data.id));
    await page.fill('[data-path="data.content"]', COMMENT.data.content);
    await page.fill('[data-path="data.author"]', COMMENT.data.author);
    await page.fill('[data-path="data.timestamp"]', String(COMMENT.data.timestamp));
    assert.equal(await page.textContent('.field:has([data-path="track_id"]) .badge'),
                 'scope');
    await page.click('#publish');
    await page.waitForFunction(() => document.getElementById('publish-result').textContent.startsWith('Published'),
                               null, { timeout: h.WAIT_MS });
    assert.deepEqual(JSON.parse(await client.next()), COMMENT);
    assert.equal(await page.textContent('#publish-error'), '');
    // Counted as the admin source, and shown in the table.
    await page.waitForFunction(
        () => document.querySelector('#events tr[data-type="new_comment"]')?.cells[5].textContent === '0 / 0 / 1',
        null, { timeout: h.WAIT_MS });
    await client.close();
  });

  test('shows the server\'s validation error inline for bad input', async () => {
    await page.selectOption('#event-type', 'new_comment');
    await page.fill('[data-path="track_id"]', '42');
    await page.fill('[data-path="data.id"]', 'abc');
    await page.click('#publish');
    await page.waitForFunction(() => document.getElementById('publish-error').textContent !== '',
                               null, { timeout: h.WAIT_MS });
    assert.equal(await page.textContent('#publish-error'), 'data.id: expected an integer, got "abc"');
    assert.equal(await page.textContent('.field:has([data-path="data.id"]) .field-error'),
                 'expected an integer, got "abc"');
    assert.equal(await page.getAttribute('[data-path="data.id"]', 'aria-invalid'), 'true');
    assert.equal(await page.textContent('#publish-result'), '');
    // A scoped event without its scope: the server's words again.
    await page.fill('[data-path="data.id"]', '8');
    await page.fill('[data-path="track_id"]', '');
    await page.click('#publish');
    await page.waitForFunction(() => document.getElementById('publish-error').textContent.startsWith('track_id:'),
                               null, { timeout: h.WAIT_MS });
    await page.waitForFunction(
        () => document.querySelector('#events tr[data-type="new_comment"]')?.cells[5].textContent === '0 / 0 / 1',
        null, { timeout: h.WAIT_MS });
  });

  test('publishes a personal event to the users given in "to"', async () => {
    const ann = await h.connectWs(wsUrl('/ws/notifications', h.token('ann')));
    await page.selectOption('#event-type', 'private_message');
    await page.fill('[data-path="text"]', 'psst, ann');
    await page.fill('#to', 'ann');
    await page.click('#publish');
    assert.deepEqual(JSON.parse(await ann.next()), { type: 'private_message', text: 'psst, ann' });
    await page.fill('#to', '');
  });

  test('tails any channel: another user\'s personal topic, a role channel', async () => {
    await page.selectOption('#tail-channel', 'notifications');
    await page.fill('#tail-user', 'ann');
    await page.click('#tail-start');
    await page.waitForFunction(() => document.getElementById('tail-status').textContent.startsWith('Tailing'),
                               null, { timeout: h.WAIT_MS });
    const published = await h.publishHttp(gateway.baseUrl, { type: 'private_message', text: 'for ann <b>only</b>' },
                                          { to: 'ann' });
    assert.equal(published.status, 202, JSON.stringify(published.body));
    const frame = page.locator('#tail-frames li pre').first();
    await frame.waitFor({ timeout: h.WAIT_MS });
    assert.deepEqual(JSON.parse(await frame.textContent()), { type: 'private_message', text: 'for ann <b>only</b>' });
    // Text, never markup.
    assert.equal(await page.locator('#tail-frames b').count(), 0);

    // book_requests_admin needs the role "creator", which root lacks: a tail may.
    await page.selectOption('#tail-channel', 'book_requests_admin');
    await page.click('#tail-start');
    await page.waitForFunction(
        () => document.getElementById('tail-status').textContent.startsWith('Tailing book_requests_admin'),
        null, { timeout: h.WAIT_MS });
    const request = { type: 'new_request', data: { id: 3, title: 'Dune', user: 'ann' } };
    assert.equal((await h.publishHttp(gateway.baseUrl, request)).status, 202);
    await page.waitForFunction(() => document.querySelector('#tail-frames li pre')?.textContent.includes('Dune'),
                               null, { timeout: h.WAIT_MS });
    await page.click('#tail-stop');
    // No script error all along (the console logs the refused publishes' 400s).
    assert.deepEqual(errors.filter((e) => !e.includes('status of 400')), []);
  });
});

test('a non-admin token is refused, and the page says why', async () => {
  const { page } = await openAdmin(h.token('ann', ['creator']));
  await page.waitForFunction(() => document.getElementById('auth-status').textContent.startsWith('Refused'),
                             null, { timeout: h.WAIT_MS });
  assert.equal(await page.textContent('#auth-status'),
               "Refused (403): user 'ann' lacks the admin role 'admin'");
  assert.equal(await page.textContent('#stat-connections'), '–');
  // A console publish is refused the same way, before the body is read.
  await page.selectOption('#event-type', 'private_message');
  await page.fill('[data-path="text"]', 'nope');
  await page.fill('#to', 'bob');
  await page.click('#publish');
  await page.waitForFunction(() => document.getElementById('publish-error').textContent !== '',
                             null, { timeout: h.WAIT_MS });
  assert.equal(await page.textContent('#publish-error'), "user 'ann' lacks the admin role 'admin'");

  const { page: forged } = await openAdmin(h.token('root', ['admin'], { secret: 'not-the-gateway-secret-0123456789abcdef' }));
  await forged.waitForFunction(() => document.getElementById('auth-status').textContent.startsWith('Refused (401)'),
                               null, { timeout: h.WAIT_MS });
});

test('the admin API and tails refuse non-admins outside the page too', async () => {
  const overview = await fetch(`${gateway.baseUrl}/api/admin/overview`);
  assert.equal(overview.status, 401);
  const ann = await fetch(`${gateway.baseUrl}/api/admin/overview`,
                          { headers: { Authorization: `Bearer ${h.token('ann')}` } });
  assert.equal(ann.status, 403);
  const root = await fetch(`${gateway.baseUrl}/api/admin/overview`,
                           { headers: { Authorization: `Bearer ${ADMIN}` } });
  assert.equal(root.status, 200);
  const body = await root.json();
  assert.equal(body.bus.kind, 'redis');
  assert.equal(body.admin_role, 'admin');
  await assert.rejects(h.connectWs(wsUrl('/ws/notifications?tail=true&user=bob', h.token('ann'))),
                       (error) => error.status === 403);
  await assert.rejects(h.connectWs(wsUrl('/ws/book-requests/admin', ADMIN)), (error) => error.status === 403);
});

// The gateway serves the embedded web files, and Chromium loads the demo.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as h from './harness.mjs';

let gateway;
before(async () => {
  gateway = await h.startGateway({ args: ['--dev-auth'] });
});

test('the pages are served with their types', async () => {
  for (const path of ['/demo/', '/admin/']) {
    const response = await fetch(gateway.baseUrl + path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(await response.text(), /<html/);
    const etag = response.headers.get('etag');
    const again = await fetch(gateway.baseUrl + path, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  }
  const redirect = await fetch(`${gateway.baseUrl}/demo`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/demo/');
  const missing = await fetch(`${gateway.baseUrl}/demo/no-such-file.js`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/json');
});

test('Chromium loads the demo page', async () => {
  const browser = await h.launchBrowser();
  const page = await browser.newPage();
  const errors = h.collectErrors(page);
  const response = await page.goto(`${gateway.baseUrl}/demo`);
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/demo/');
  await page.locator('h1').waitFor();
  assert.deepEqual(errors, []);
});

test('the harness stops what it starts', async () => {
  const redis = await h.startRedis();
  const second = await h.startGateway({ args: ['--bus', redis.url] });
  const client = await h.connectWs(`${second.wsUrl}/ws/broadcasts?token=${h.token('ann')}`);
  const published = await h.publishHttp(second.baseUrl, {
    type: 'new_broadcast',
    data: { id: 1, title: 'Hi', content: '', author: 'a', created_at: '2026-12-04T10:00:00Z' },
  });
  assert.equal(published.status, 202, JSON.stringify(published.body));
  assert.match(await client.next(), /"Hi"/);
  const refused = await h.publishHttp(second.baseUrl, '{"type":"nope"}');
  assert.equal(refused.status, 400);
  await second.restart();
  assert.equal((await fetch(`${second.baseUrl}/readyz`)).status, 200);
  assert.equal(await second.stop(), 0);
  await redis.stop();
});

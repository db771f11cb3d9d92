// What the client's and the demo's browser tests share beyond harness.mjs: the
// browser client driven inside a page served by the gateway, and the exact
// JSON the gateway writes for the sample events the tests publish.

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

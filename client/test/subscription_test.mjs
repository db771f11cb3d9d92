// A subscription's state machine (src/subscription.ts), driven through the
// public PubSubClient without a network: a scripted WebSocket stands in for
// the gateway, so each rule of docs/history.md's client side can be driven
// frame by frame (what the browser tests cannot provoke on demand: a 1013
// before the verdict, a handler that throws, an async handler). Runs the
// checked-in dist/, the file browsers get. Real gateways and Chromium:
// tests/browser/client_test.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { PubSubClient, MemoryPositionStore } from "../dist/pubsub-client.js";

const channels = {
  track_comments: { path: "/ws/comments/{track_id}", params: ["track_id"], access: "authenticated", history: true },
  broadcasts: { path: "/ws/broadcasts", params: [], access: "authenticated", history: false },
  notifications: { path: "/ws/notifications", params: [], access: "personal", history: true },
};

// A WebSocket whose every instance is recorded; the test opens, feeds and
// closes it by hand.
function fakeWebSocket() {
  const sockets = [];
  class FakeSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.closedWith = null;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      sockets.push(this);
    }
    open() { this.onopen?.({}); }
    send(frame) { this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) }); }
    drop(code, reason = "") { this.onclose?.({ code, reason, wasClean: code !== 1006 }); }
    refuse(status) {
      this.onerror?.({ message: `Unexpected server response: ${status}` });
      this.onclose?.({ code: 1006, reason: "", wasClean: false });
    }
    close(code, reason) { this.closedWith = { code, reason }; }
  }
  return { FakeSocket, sockets };
}

async function until(condition, what) {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function setup(extra = {}) {
  const { FakeSocket, sockets } = fakeWebSocket();
  const client = new PubSubClient({
    url: "ws://gw.test:1",
    channels,
    WebSocket: FakeSocket,
    backoff: { initialMs: 1, maxMs: 4 },
    ...extra,
  });
  return { client, sockets };
}

const verdict = (position, recovered = true, reason) =>
  ({ control: "recovery", recovered, position, ...(reason ? { reason } : {}) });
const comment = (id) => ({ type: "new_comment", track_id: "42", data: { id, content: `c${id}` } });

test("first connect sends since=now, a reconnect the last position applied; handlers run in order", async () => {
  const { client, sockets } = setup({ query: { user_id: "ann" } });
  const seen = [];
  const recoveries = [];
  const sub = client.subscribe("track_comments", { track_id: "42" }, {
    new_comment: (e, meta) => seen.push([e.data.id, meta.position, meta.raw]),
  }, { onRecovery: (info) => recoveries.push(info) });
  await until(() => sockets.length === 1, "a socket");
  assert.equal(sockets[0].url, "ws://gw.test:1/ws/comments/42?user_id=ann&since=now");
  assert.equal(sockets[0].protocols, undefined, "no token: no subprotocol");
  sockets[0].open();
  sockets[0].send(verdict("E:0"));
  sockets[0].send(`{"position":"E:1","event":${JSON.stringify(comment(1))}}`);
  sockets[0].send(`{"position":"E:2","event":{"type":"new_comment","track_id":"42","data":{"id":2,"content":"\\u0001é"}}}`);
  await until(() => seen.length === 2, "two events");
  assert.deepEqual(seen[0], [1, "E:1", JSON.stringify(comment(1))]);
  assert.equal(seen[1][2], '{"type":"new_comment","track_id":"42","data":{"id":2,"content":"\\u0001é"}}',
               "raw is the event's text as sent");
  assert.equal(sub.position, "E:2");
  sockets[0].drop(1001, "server shutting down");
  await until(() => sockets.length === 2, "a reconnect");
  assert.equal(sockets[1].url, "ws://gw.test:1/ws/comments/42?user_id=ann&since=E%3A2");
  assert.deepEqual(recoveries, [{ recovered: true, position: "E:0", midStream: false }]);
  client.close();
  assert.deepEqual(sockets[1].closedWith, { code: 1000, reason: "closed by the application" });
});

test("the position is stored only after an async handler settled, and events stay in order", async () => {
  const storage = new MemoryPositionStore();
  const { client, sockets } = setup({ storage });
  const order = [];
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  client.subscribe("track_comments", { track_id: "42" }, {
    new_comment: async (e) => {
      order.push(`start ${e.data.id}`);
      if (e.data.id === 1) await gate;
      order.push(`end ${e.data.id}`);
    },
  });
  await until(() => sockets.length === 1, "a socket");
  sockets[0].open();
  sockets[0].send(verdict("E:0"));
  sockets[0].send({ position: "E:1", event: comment(1) });
  sockets[0].send({ position: "E:2", event: comment(2) });
  await until(() => order.length === 1, "the first handler");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(order, ["start 1"], "the second event waits for the first handler");
  assert.equal(storage.get("/ws/comments/42"), "E:0", "E:1 is not stored before its handler finished");
  // A drop now: the reconnect must wait for the queued events, then resume after E:2.
  sockets[0].drop(1006);
  release();
  await until(() => sockets.length === 2, "a reconnect");
  assert.deepEqual(order, ["start 1", "end 1", "start 2", "end 2"]);
  assert.match(sockets[1].url, /since=E%3A2$/);
  client.close();
});

test("a recovered:false control mid-stream is adopted and reported to the subscription and the client", async () => {
  const { client, sockets } = setup();
  const local = [];
  const global = [];
  client.on("recovery", (e) => global.push(e));
  const sub = client.subscribe("track_comments", { track_id: "42" }, {}, { onRecovery: (i) => local.push(i) });
  await until(() => sockets.length === 1, "a socket");
  sockets[0].open();
  sockets[0].send(verdict("E:5"));
  sockets[0].send(verdict("F:0", false, "history was lost (a new epoch began)"));
  await until(() => local.length === 2, "two recoveries");
  assert.deepEqual(local[1], { recovered: false, position: "F:0", reason: "history was lost (a new epoch began)", midStream: true });
  assert.deepEqual(global[1], { channel: "track_comments", path: "/ws/comments/42", ...local[1] });
  assert.equal(sub.position, "F:0");
  sockets[0].drop(1006);
  await until(() => sockets.length === 2, "a reconnect");
  assert.match(sockets[1].url, /since=F%3A0$/);
  client.close();
});

test("closed with 1013 twice before a verdict: the client starts from now and reports not recovered", async () => {
  const storage = new MemoryPositionStore();
  storage.set("/ws/comments/42", "E:100");
  const { client, sockets } = setup({ storage });
  const recoveries = [];
  client.subscribe("track_comments", { track_id: "42" }, {}, { onRecovery: (i) => recoveries.push(i) });
  await until(() => sockets.length === 1, "a socket");
  assert.match(sockets[0].url, /since=E%3A100$/);
  sockets[0].open();
  sockets[0].drop(1013, "slow consumer");
  await until(() => sockets.length === 2, "a second attempt");
  assert.match(sockets[1].url, /since=E%3A100$/, "one refusal is not enough to give up");
  sockets[1].open();
  sockets[1].drop(1013, "slow consumer");
  await until(() => sockets.length === 3, "a third attempt");
  assert.match(sockets[2].url, /since=now$/);
  sockets[2].open();
  sockets[2].send(verdict("E:3000"));
  await until(() => recoveries.length === 1, "the verdict");
  assert.equal(recoveries[0].recovered, false);
  assert.match(recoveries[0].reason, /too many missed events/);
  assert.equal(recoveries[0].position, "E:3000");
  assert.equal(storage.get("/ws/comments/42"), "E:3000");
  client.close();
});

test("a 1013 after the verdict is an ordinary reconnect from the last position", async () => {
  const { client, sockets } = setup();
  client.subscribe("track_comments", { track_id: "42" }, {});
  await until(() => sockets.length === 1, "a socket");
  for (let i = 0; i < 3; i++) {
    sockets[i].open();
    sockets[i].send(verdict(`E:${i}`));
    await new Promise((resolve) => setTimeout(resolve, 5));
    sockets[i].drop(1013, "slow consumer");
    await until(() => sockets.length === i + 2, "a reconnect");
    assert.match(sockets[i + 1].url, new RegExp(`since=E%3A${i}$`));
  }
  client.close();
});

test("channels without history: no since, the frame is the event; token in the bearer subprotocol, asked on every connect", async () => {
  let calls = 0;
  const { client, sockets } = setup({ token: async () => `tok${++calls}` });
  const seen = [];
  client.subscribe("broadcasts", {}, { new_broadcast: (e, meta) => seen.push([e.data.title, meta.position, meta.raw]) });
  await until(() => sockets.length === 1, "a socket");
  assert.equal(sockets[0].url, "ws://gw.test:1/ws/broadcasts");
  assert.deepEqual(sockets[0].protocols, ["bearer", "tok1"]);
  sockets[0].open();
  const raw = '{"type":"new_broadcast","data":{"id":1,"title":"café ☕"}}';
  sockets[0].send(raw);
  await until(() => seen.length === 1, "the event");
  assert.deepEqual(seen[0], ["café ☕", undefined, raw]);
  sockets[0].drop(1006);
  await until(() => sockets.length === 2, "a reconnect");
  assert.deepEqual(sockets[1].protocols, ["bearer", "tok2"], "the token function is called again");
  assert.equal(sockets[1].url, "ws://gw.test:1/ws/broadcasts");
  client.close();
});

test("personal channels keep one position per user (the JWT's sub)", async () => {
  const storage = new MemoryPositionStore();
  const jwt = (sub) => `h.${Buffer.from(JSON.stringify({ sub })).toString("base64url")}.s`;
  const { client, sockets } = setup({ storage, token: jwt("bob") });
  client.subscribe("notifications", {}, {});
  await until(() => sockets.length === 1, "a socket");
  sockets[0].open();
  sockets[0].send(verdict("N:7"));
  await until(() => storage.get("/ws/notifications@bob") === "N:7", "bob's position");
  client.close();
});

test("a refusal the gateway explains (HTTP 403/404) ends the subscription; 503 and unexplained failures are retried", async () => {
  const states = [];
  const { FakeSocket, sockets: made } = fakeWebSocket();
  const c = new PubSubClient({ url: "ws://gw.test:1", channels, WebSocket: FakeSocket, backoff: { initialMs: 1, maxMs: 2 } });
  c.subscribe("broadcasts", {}, {}, { onState: (s, d) => states.push([s, d]) });
  await until(() => made.length === 1, "a socket");
  made[0].refuse(503);
  await until(() => made.length === 2, "a retry after 503");
  made[1].drop(1006);  // what a browser sees for any refusal
  await until(() => made.length === 3, "a retry after a failed open");
  made[2].refuse(403);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(made.length, 3, "no retry after 403");
  const last = states.at(-1);
  assert.equal(last[0], "closed");
  assert.equal(last[1].status, 403);
  assert.equal(last[1].opened, false);
  assert.deepEqual(states.map(([s]) => s), ["connecting", "reconnecting", "reconnecting", "closed"]);
});

test("maxFailedOpens gives up after that many failures in a row before an open", async () => {
  const { client, sockets } = setup({ maxFailedOpens: 3 });
  const states = [];
  client.subscribe("broadcasts", {}, {}, { onState: (s, d) => states.push([s, d]) });
  for (let i = 0; i < 3; i++) {
    await until(() => sockets.length === i + 1, `attempt ${i + 1}`);
    sockets[i].drop(1006);
  }
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(sockets.length, 3);
  assert.equal(states.at(-1)[0], "closed");
  assert.match(states.at(-1)[1].reason, /gave up after 3/);
});

test("a URL list: each reconnect tries the next replica", async () => {
  const { client, sockets } = setup({ url: ["ws://a.test:1", "http://b.test:2/"] });
  client.subscribe("broadcasts", {}, {});
  await until(() => sockets.length === 1, "a socket");
  sockets[0].drop(1006);
  await until(() => sockets.length === 2, "a retry");
  sockets[1].drop(1006);
  await until(() => sockets.length === 3, "another");
  assert.deepEqual(sockets.map((s) => s.url), [
    "ws://a.test:1/ws/broadcasts", "ws://b.test:2/ws/broadcasts", "ws://a.test:1/ws/broadcasts"]);
  client.close();
});

test("a handler that throws is reported, and the stream goes on", async () => {
  const { client, sockets } = setup();
  const errors = [];
  const seen = [];
  const sub = client.subscribe("track_comments", { track_id: "42" }, {
    new_comment: (e) => { if (e.data.id === 1) throw new Error("boom"); seen.push(e.data.id); },
  }, { onError: (error) => errors.push(error.message) });
  await until(() => sockets.length === 1, "a socket");
  sockets[0].open();
  sockets[0].send(verdict("E:0"));
  sockets[0].send({ position: "E:1", event: comment(1) });
  sockets[0].send({ position: "E:2", event: comment(2) });
  sockets[0].send("not json");
  await until(() => seen.length === 1 && errors.length === 2, "the second event and two errors");
  // The malformed frame is reported on arrival, the handler's error when it runs.
  assert.deepEqual([...errors].sort(), ["boom", "not JSON: not json"]);
  assert.equal(sub.position, "E:2");
  client.close();
});

test("close() is final: no reconnect, state closed with 1000, also while a retry is pending", async () => {
  const { client, sockets } = setup({ backoff: { initialMs: 50, maxMs: 50 } });
  const states = [];
  const sub = client.subscribe("broadcasts", {}, {}, { onState: (s, d) => states.push([s, d.code]) });
  await until(() => sockets.length === 1, "a socket");
  sockets[0].open();
  sockets[0].drop(1006);
  sub.close();
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(sockets.length, 1);
  assert.deepEqual(states, [["connecting", undefined], ["open", undefined], ["reconnecting", 1006], ["closed", 1000]]);
  assert.equal(sub.state, "closed");
});

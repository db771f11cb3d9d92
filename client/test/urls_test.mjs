// src/urls.ts: where a subscription's socket connects, in the checked-in dist/.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fillPath, normalizeBase, sameOriginUrl } from "../dist/urls.js";

test("a path template is filled with encoded parameters, and a missing one throws", () => {
  assert.equal(fillPath("/ws/comments/{track_id}", { track_id: "a b/c" }), "/ws/comments/a%20b%2Fc");
  assert.equal(fillPath("/ws/broadcasts", {}), "/ws/broadcasts");
  assert.throws(() => fillPath("/ws/comments/{track_id}", {}), /missing path parameter "track_id"/);
  assert.throws(() => fillPath("/ws/comments/{track_id}", { track_id: "" }), /missing path parameter/);
});

test("http(s) bases become ws(s), without trailing slashes", () => {
  assert.equal(normalizeBase("http://gw:8080/"), "ws://gw:8080");
  assert.equal(normalizeBase("https://gw"), "wss://gw");
  assert.equal(normalizeBase("wss://gw//"), "wss://gw");
});

test("no page, no default URL", () => {
  assert.throws(() => sameOriginUrl(), /no `url` given/);
});

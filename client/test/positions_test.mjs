// src/positions.ts: position stores and the per-topic key, in the
// checked-in dist/.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryPositionStore, localStoragePositions, positionKey } from "../dist/positions.js";

const jwt = (payload) =>
  ["e30", Buffer.from(JSON.stringify(payload)).toString("base64url"), "sig"].join(".");

test("one key per topic; per user on a personal channel", () => {
  assert.equal(positionKey("/ws/comments/42", "authenticated", "ann", "t"), "/ws/comments/42");
  assert.equal(positionKey("/ws/n", "personal", "ann", jwt({ sub: "bob" })), "/ws/n@ann");
  assert.equal(positionKey("/ws/n", "personal", undefined, jwt({ sub: "bob" })), "/ws/n@bob");
  assert.equal(positionKey("/ws/n", "personal", undefined, "opaque"), "/ws/n@");
  assert.equal(positionKey("/ws/n", "personal", undefined, undefined), "/ws/n@");
});

test("the memory store", () => {
  const store = new MemoryPositionStore();
  store.set("k", "e:1");
  assert.equal(store.get("k"), "e:1");
  store.delete("k");
  assert.equal(store.get("k"), undefined);
});

test("the localStorage store prefixes keys and ignores storage errors", () => {
  const items = new Map();
  const storage = {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => items.set(k, v),
    removeItem: (k) => items.delete(k),
  };
  const store = localStoragePositions("p:", storage);
  store.set("k", "e:2");
  assert.deepEqual([...items], [["p:k", "e:2"]]);
  assert.equal(store.get("k"), "e:2");
  store.delete("k");
  assert.equal(store.get("k"), null);

  const broken = { getItem() { throw new Error("denied"); }, setItem() { throw new Error("quota"); },
                   removeItem() { throw new Error("denied"); } };
  const quiet = localStoragePositions("p:", broken);
  assert.equal(quiet.get("k"), null);
  assert.doesNotThrow(() => quiet.set("k", "e:3"));
  assert.doesNotThrow(() => quiet.delete("k"));
});

// src/backoff.ts: full-jitter exponential backoff, in the checked-in dist/.
import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay } from "../dist/backoff.js";

test("a random delay below min(maxMs, initialMs * 2^attempt)", () => {
  assert.equal(backoffDelay(0, { initialMs: 100, maxMs: 1000 }, () => 0.999), 99);
  assert.equal(backoffDelay(3, { initialMs: 100, maxMs: 1000 }, () => 0.999), 799);
  assert.equal(backoffDelay(10, { initialMs: 100, maxMs: 1000 }, () => 0.999), 999);
  assert.equal(backoffDelay(10, { initialMs: 100, maxMs: 1000 }, () => 0), 0);
});

test("defaults: 500 ms doubling up to 30 s", () => {
  assert.equal(backoffDelay(0, {}, () => 0.999), 499);
  assert.equal(backoffDelay(1000, undefined, () => 0.999), 29970);
});

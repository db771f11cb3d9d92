// src/frames.ts: reading the gateway's recovery-protocol frames, in the
// checked-in dist/.
import assert from "node:assert/strict";
import { test } from "node:test";

import { isRecoveryControl, messageText, readRecoveryFrame } from "../dist/frames.js";

const read = (text) => readRecoveryFrame(JSON.parse(text), text);

test("a recovery control, with or without position and reason", () => {
  assert.deepEqual(read('{"control":"recovery","recovered":true,"position":"e:3"}'),
                   { kind: "control", recovered: true, position: "e:3" });
  assert.deepEqual(read('{"control":"recovery","recovered":"yes","reason":"gone"}'),
                   { kind: "control", recovered: false, reason: "gone" });
  assert.equal(isRecoveryControl({ control: "recovery" }), true);
  assert.equal(isRecoveryControl(null), false);
  assert.equal(isRecoveryControl({ event: {} }), false);
});

test("an event keeps its JSON exactly as sent", () => {
  const text = '{"position":"e:4","event":{"type":"t",  "n":1.50}}';
  assert.deepEqual(read(text),
                   { kind: "event", event: { type: "t", n: 1.5 }, raw: '{"type":"t",  "n":1.50}', position: "e:4" });
  assert.deepEqual(read('{"event":{"type":"live"}}'),
                   { kind: "event", event: { type: "live" }, raw: '{"type":"live"}' });
  // Not laid out as the gateway writes it: the event is serialized again.
  assert.equal(read('{ "event": {"type":"x"} }').raw, '{"type":"x"}');
});

test("anything else is unknown", () => {
  for (const text of ['{"control":"other"}', '{"event":"text"}', '{"event":null}', "5", "null", '"s"']) {
    assert.deepEqual(read(text), { kind: "unknown" }, text);
  }
});

test("message data as text", () => {
  assert.equal(messageText("x"), "x");
  assert.equal(messageText(new TextEncoder().encode("é")), "é");
  assert.equal(messageText(new TextEncoder().encode("ab").buffer), "ab");
});

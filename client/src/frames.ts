// What the gateway sends on a subscription's socket. On a channel without
// history a frame is the event itself; on a history channel (docs/history.md)
// it is a recovery control {"control":"recovery","recovered":B,"position":P,
// "reason":R} or an event wrapped as {"position":P,"event":EVENT} (no
// position for live-only events). Anything else is a frame of a newer
// protocol, which the client ignores.

/** A recovery-protocol frame as parsed, every field unchecked. */
export type Frame = {
  control?: unknown;
  recovered?: unknown;
  position?: unknown;
  reason?: unknown;
  event?: unknown;
};

/** A recovery-protocol frame, checked. */
export type RecoveryFrame =
  | { kind: "control"; recovered: boolean; position?: string; reason?: string }
  | { kind: "event"; event: object; position?: string; raw: string }
  | { kind: "unknown" };

/** A WebSocket message's data as text (browsers give strings, `ws` may give bytes). */
export function messageText(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(data as ArrayBuffer);
  }
  return String(data);
}

/** Whether a parsed frame is a recovery control (the verdict, or a later one). */
export function isRecoveryControl(frame: unknown): boolean {
  return (frame as Frame | null | undefined)?.control === "recovery";
}

/** Checks a parsed recovery-protocol frame; `text` is the frame as received. */
export function readRecoveryFrame(frame: unknown, text: string): RecoveryFrame {
  const f = (frame ?? {}) as Frame;
  const position = typeof f.position === "string" ? f.position : undefined;
  if (f.control === "recovery") {
    const control: RecoveryFrame = { kind: "control", recovered: f.recovered === true };
    if (position !== undefined) control.position = position;
    if (typeof f.reason === "string") control.reason = f.reason;
    return control;
  }
  if (f.event !== undefined && f.event !== null && typeof f.event === "object") {
    const event: RecoveryFrame = { kind: "event", event: f.event, raw: eventText(text, position, f.event) };
    if (position !== undefined) event.position = position;
    return event;
  }
  return { kind: "unknown" };
}

// The event's own JSON text inside a recovery-protocol frame, which the
// gateway writes as {"position":"P","event":EVENT} or {"event":EVENT}.
function eventText(frameText: string, position: string | undefined, event: unknown): string {
  const prefix =
    position === undefined ? '{"event":' : `{"position":${JSON.stringify(position)},"event":`;
  if (frameText.startsWith(prefix) && frameText.endsWith("}")) {
    return frameText.slice(prefix.length, -1);
  }
  return JSON.stringify(event);
}

// The client's public vocabulary besides the channel map: options, states,
// recovery verdicts, the subscription handle and client-wide events. Types only.

import type { BackoffOptions } from "./backoff.js";
import type { ChannelDescriptors, EventMeta } from "./channel-map.js";
import type { PositionStore } from "./positions.js";

/** The constructor of a WebSocket: the browser's, or Node's `ws`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** What the client uses of a WebSocket. */
export interface WebSocketLike {
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  close(code?: number, reason?: string): void;
}

export interface ClientOptions<C> {
  /**
   * The gateway: "ws://host:port" (http(s):// works too), a list of replicas
   * (each reconnect tries the next), or a function returning the URL to try
   * for a given attempt number. Default: the page's own origin.
   */
  url?: string | readonly string[] | ((attempt: number) => string);
  /** The generated runtime channel table. */
  channels: ChannelDescriptors<C>;
  /**
   * A JWT, or a function returning one, called before every (re)connect so an
   * expired token can be refreshed. Sent in the "bearer" subprotocol, never in
   * the URL. Omit it with a gateway in --dev-auth mode (use `query`).
   */
  token?: string | (() => string | null | undefined | PromiseLike<string | null | undefined>);
  /** Extra query parameters for every socket, e.g. `{ user_id: "ann" }` under --dev-auth. */
  query?: Record<string, string>;
  /** Where positions are kept. Default: in memory (`new MemoryPositionStore()`). */
  storage?: PositionStore;
  backoff?: BackoffOptions;
  /** The WebSocket implementation. Default: `globalThis.WebSocket`; in Node pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /**
   * Give up (state "closed") after this many connection attempts in a row that
   * failed before the socket opened. Default: never; the delay between them is
   * capped by `backoff.maxMs`.
   */
  maxFailedOpens?: number;
}

/**
 * - "connecting": the first connection is being made;
 * - "open": the socket is open (on a history channel the verdict comes next);
 * - "reconnecting": the connection dropped or failed; waiting, then trying again;
 * - "closed": final: closed by the application, or refused for good.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface StateDetail {
  /** The URL tried or used (without the token, which never is in it). */
  url?: string;
  /** Attempts since the last successful connection. */
  attempt: number;
  /** "reconnecting": how long until the next attempt. */
  delayMs?: number;
  /** The close code and reason, when a socket closed (1006: it never opened or was cut). */
  code?: number;
  reason?: string;
  wasClean?: boolean;
  /** Whether the socket that closed had opened. */
  opened?: boolean;
  /** The HTTP status of a refused upgrade, when the WebSocket implementation reveals it (Node's `ws` does, browsers do not). */
  status?: number;
}

export interface RecoveryInfo {
  /** Whether everything after the client's position followed (decide on this alone). */
  recovered: boolean;
  /** Where the client stands now; absent on channels without history. */
  position?: string;
  /** For people and logs, when `recovered` is false. */
  reason?: string;
  /** False for the verdict that opens a connection, true for a later control. */
  midStream: boolean;
}

export interface SubscribeOptions<E> {
  /** Every verdict and every later `recovered:false` control. */
  onRecovery?(info: RecoveryInfo): void;
  /** Every state change. */
  onState?(state: ConnectionState, detail: StateDetail): void;
  /** Every event, after its typed handler (if any). */
  onEvent?(event: E, meta: EventMeta): void | PromiseLike<void>;
  /** A handler threw, a frame was not JSON, the token callback failed. Default: console.error. */
  onError?(error: unknown): void;
}

export interface Subscription {
  readonly channel: string;
  /** The WebSocket path, parameters filled in, e.g. "/ws/comments/42". */
  readonly path: string;
  readonly state: ConnectionState;
  /** The last position applied (history channels), if any. */
  readonly position: string | undefined;
  /** Closes the socket with code 1000; no reconnect. */
  close(): void;
}

/** Client-wide events: every subscription's, tagged with its channel and path. */
export interface ClientEvents {
  state: { channel: string; path: string; state: ConnectionState; detail: StateDetail };
  recovery: { channel: string; path: string } & RecoveryInfo;
  error: { channel: string; path: string; error: unknown };
}

// The runtime value `channels` (sample_schema.js) agrees with the types:
// same channels, each with the events and path parameters of Channels.
import { channels } from "sample_schema";
import type { AnyEvent, Channels, EventType } from "sample_schema";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type AllTrue<T> = false extends T[keyof T] ? false : true;

type SameEvents = {
  [K in keyof Channels]: Equal<(typeof channels)[K]["events"][number], Channels[K]["events"]["type"]>;
};
type SameParams = {
  [K in keyof Channels]: Equal<(typeof channels)[K]["params"][number], keyof Channels[K]["params"]>;
};
type SamePaths = {
  [K in keyof Channels]: Equal<(typeof channels)[K]["path"], Channels[K]["path"]>;
};

export const sameChannels: Equal<keyof typeof channels, keyof Channels> = true;
export const sameEvents: AllTrue<SameEvents> = true;
export const sameParams: AllTrue<SameParams> = true;
export const samePaths: AllTrue<SamePaths> = true;
export const eventTypes: Equal<EventType, AnyEvent["type"]> = true;

export const path: "/ws/comments/{track_id}" = channels.track_comments.path;
export const events: readonly ["comment_deleted", "comment_updated", "new_comment"] =
  channels.track_comments.events;
export const access: "authenticated" | "personal" | "role" = channels.notifications.access;
export const history: boolean = channels.broadcasts.history;

// A URL from a channel's path and params.
export function url<K extends keyof Channels>(name: K, params: Channels[K]["params"]): string {
  let path: string = channels[name].path;
  for (const [key, value] of Object.entries(params)) path = path.replace(`{${key}}`, value);
  return path;
}
export const comments = url("track_comments", { track_id: "42" });

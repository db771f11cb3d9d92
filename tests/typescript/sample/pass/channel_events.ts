// A client's handler: narrowing a channel's events on "type", exhaustively.
import type { Channels, NewBroadcast } from "sample_schema";

type TrackEvent = Channels["track_comments"]["events"];

export function describe(event: TrackEvent): string {
  switch (event.type) {
    case "new_comment":
      return `${event.track_id}: ${event.data?.author ?? "?"} said ${event.data?.content ?? ""}`;
    case "comment_updated":
      return `${event.track_id}: comment ${event.data?.id ?? 0} now says ${event.data?.content}`;
    case "comment_deleted": {
      const id: number | undefined = event.data?.id;
      return `${event.track_id}: comment ${id} removed`;
    }
    default: {
      // Every event of the channel is handled: nothing is left.
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export function title(event: Channels["broadcasts"]["events"]): string {
  const broadcast: NewBroadcast = event;
  return broadcast.data?.title ?? "";
}

export const params: Channels["track_comments"]["params"] = { track_id: "42" };
export const none: Channels["broadcasts"]["params"] = {};

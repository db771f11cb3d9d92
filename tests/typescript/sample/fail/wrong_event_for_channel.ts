// expect-error TS2322
// new_broadcast is not an event of track_comments.
import type { Channels } from "sample_schema";

export const event: Channels["track_comments"]["events"] = { type: "new_broadcast", track_id: "1" };

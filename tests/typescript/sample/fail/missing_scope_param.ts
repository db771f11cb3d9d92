// expect-error TS2741
// /ws/comments/{track_id} needs its track_id.
import type { Channels } from "sample_schema";

export const params: Channels["track_comments"]["params"] = {};

// expect-error TS2741
// track_id is always written: it cannot be missing.
import type { NewComment } from "sample_schema";

export const event: NewComment = { type: "new_comment" };

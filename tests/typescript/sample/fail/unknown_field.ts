// expect-error TS2353
// The writer never sends a key the schema does not declare.
import type { NewComment } from "sample_schema";

export const event: NewComment = { type: "new_comment", track_id: "1", author: "ada" };

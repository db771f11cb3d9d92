// expect-error TS2322
// CommentData.id is int64_as_number: a number, not a string.
import type { CommentData } from "sample_schema";

export const data: CommentData = { id: "42", content: "", author: "", timestamp: 1 };

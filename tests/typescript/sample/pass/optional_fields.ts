// What the writer may send: messages and Timestamps only when set, scalars
// always, int64_as_number ids as numbers, doubles also as "NaN"/"Infinity".
import type { CommentData, NewBroadcast, NewComment, StatusUpdated } from "sample_schema";

export const bare: NewComment = { type: "new_comment", track_id: "42" };
export const full: NewComment = {
  type: "new_comment",
  track_id: "42",
  data: {
    id: 42,
    content: "hello",
    author: "ada",
    timestamp: 12.5,
    created_at: "2026-01-01T12:00:00Z",
  },
};
export const notYet: CommentData = { id: 1, content: "", author: "", timestamp: "NaN" };
export const broadcast: NewBroadcast = {
  type: "new_broadcast",
  data: { id: 7, title: "t", content: "c", author: "a" },
};
export const status: StatusUpdated = {
  type: "status_updated",
  data: { id: 3, status: "approved", message: "Your request 'Dune' is now approved" },
};

export function createdAt(comment: NewComment): Date | undefined {
  // Optional: the compiler insists on the check.
  return comment.data?.created_at === undefined ? undefined : new Date(comment.data.created_at);
}

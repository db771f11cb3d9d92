// The nasty schema's declarations compile under --strict and describe its
// odd corners: a field-less event, an event named "class", NullValue,
// recursion, an event used as a field (no "type" there).
import type {
  AnyEvent, Container, Container_Closed, Hollow, Nothing, Nulls, NpHolder, Oneofs,
} from "codegen_nasty_schema";
import { channels } from "codegen_nasty_schema";

export const nothing: Nothing = { type: "nothing" };
export const closed: Container_Closed = { type: "class", id: 1 };
export const hollow: Hollow = {};
export const nulls: Nulls = {
  type: "nulls", plain: null, many: [null], by_key: { a: null }, by_number: { "-1": null },
  masks: [], either_text: "x",
};
export const container: Container = { opened: [{ why: null }] };
export const oneofs: Oneofs = { between: 1, u_self: { between: 2, u_null: null }, first_entry: "f" };
export const holder: NpHolder = {
  everything: { hollow: {} }, weird: "日本語 😀", nodes: {}, color: "r", kinds: ["grün"],
};
export function kind(event: AnyEvent): string {
  return event.type === "class" ? String(event.id) : event.type;
}
export const lobby: "/ws/nasty/lobby" = channels.nasty_lobby.path;

// The kitchen schema's values: 64-bit integers are strings unless
// int64_as_number, enums their JSON strings, wrappers their plain value,
// oneofs narrow on the member that is present.
import type { Inventory, Mixed, RoomEvent, Scalars, WellKnown } from "codegen_test_schema";

export const scalars: Scalars = {
  f_double: "Infinity",
  f_float: 1.5,
  f_int32: -1,
  f_int64: "-9007199254740993",  // beyond 2^53: a string keeps it exact
  f_uint32: 1,
  f_uint64: "18446744073709551615",
  f_sint32: 0,
  f_sint64: "0",
  f_fixed32: 0,
  f_fixed64: "0",
  f_sfixed32: 0,
  f_sfixed64: "0",
  f_bool: false,
  f_string: "",
  f_bytes: "AAE=",
  id: 42,   // int64_as_number
  big: 43,  // uint64, int64_as_number
  color: "red",
};

export const wellKnown: WellKnown = {
  timestamp: "2026-01-01T12:00:00Z",
  duration: "1.5s",
  w_int64: "7",
  w_id: 7,
  empty: {},
  field_mask: "displayName,a.b",
  null_value: null,
};

export function choice(mixed: Mixed): string {
  if (mixed.c_text !== undefined) return mixed.c_text;
  if (mixed.c_number !== undefined) return mixed.c_number;
  if (mixed.c_point !== undefined) return `${mixed.c_point.x},${mixed.c_point.y}`;
  return mixed.c_color ?? mixed.c_time ?? "";
}
export const none: Mixed = { always: 1 };
export const one: Mixed = { always: 1, c_point: { x: 1, y: 2 }, s_flag: true };

export const room: RoomEvent = { type: "room_event", room_id: "12" };
export function shelf(inventory: Inventory): bigint {
  return BigInt(inventory.shelf_id);  // uint64: a string
}

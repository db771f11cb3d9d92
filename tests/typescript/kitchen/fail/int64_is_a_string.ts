// expect-error TS2322
// Without int64_as_number a 64-bit integer is a string.
import type { RoomEvent } from "codegen_test_schema";

export const room: RoomEvent = { type: "room_event", room_id: 12 };

// expect-error TS2322
// At most one member of a oneof is present.
import type { Mixed } from "codegen_test_schema";

export const mixed: Mixed = { always: 1, c_text: "a", c_number: "2" };

// expect-error TS2322
// COLOR_RED has json_value "red": the proto name is never sent.
import type { Scalars } from "codegen_test_schema";

export const color: Scalars["color"] = "COLOR_RED";

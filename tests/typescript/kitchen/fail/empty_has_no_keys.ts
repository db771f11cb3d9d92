// expect-error TS2322
// google.protobuf.Empty is written as {}: no keys.
import type { WellKnown } from "codegen_test_schema";

export const wellKnown: WellKnown = { null_value: null, empty: { a: 1 } };

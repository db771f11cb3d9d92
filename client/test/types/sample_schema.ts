// The channel map the type tests use: the generated sample schema's.
export * from "../fixtures/sample_schema.js";

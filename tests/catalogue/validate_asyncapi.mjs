// Validates generated AsyncAPI documents with real tools:
//   1. @asyncapi/parser parses each document: any diagnostic of error
//      severity fails (warnings and infos are printed);
//   2. every message has an example, and ajv validates it against the
//      message's payload schema (with the document's components/schemas);
//   3. each example equals the JSON the generated C++ writer produces for the
//      event's sample (printed by the program given to --examples-from), and
//      every event of that program appears in one of the documents.
// It also checks that the checks can fail: a broken document must give a
// parser error and an example with an unknown key must fail its schema.
//
//   node validate_asyncapi.mjs --examples-from build/tests/catalogue/catalogue_examples \
//       build/.../sample.asyncapi.json build/.../codegen_test_schema.asyncapi.json
//
// The npm packages come from the repository's package.json (node_modules/ at
// its root, installed by tools/install-deps.sh).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

async function load() {
  try {
    const { Parser, DiagnosticSeverity } = await import('@asyncapi/parser');
    const { default: Ajv } = await import('ajv');
    const { default: addFormats } = await import('ajv-formats');
    return { Parser, DiagnosticSeverity, Ajv, addFormats };
  } catch (error) {
    console.error(`validate_asyncapi: ${error.message}\n` +
                  'The npm packages are missing: run tools/install-deps.sh (npm ci at the repository root).');
    process.exit(2);
  }
}

const { Parser, DiagnosticSeverity, Ajv, addFormats } = await load();

const args = process.argv.slice(2);
const at = args.indexOf('--examples-from');
if (at < 0 || at + 1 >= args.length || args.length < 3) {
  console.error('usage: validate_asyncapi.mjs --examples-from PROGRAM DOCUMENT.asyncapi.json...');
  process.exit(2);
}
const program = args[at + 1];
const documents = args.filter((_, i) => i !== at && i !== at + 1);
const written = JSON.parse(execFileSync(program, { encoding: 'utf8' }));

const failures = [];
let passed = 0;
function check(ok, what) {
  if (ok) {
    passed += 1;
  } else {
    failures.push(what);
    console.error(`FAIL ${what}`);
  }
}

const parser = new Parser();

async function errorsOf(text) {
  const { document, diagnostics } = await parser.parse(text);
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  return { document, diagnostics, errors };
}

// A validator of each message's payload: the payload schemas refer to
// "#/components/schemas/...", resolved against a schema holding the document's
// components under the id "asyncapi".
function validators(raw) {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary(['components', 'messages', 'schemas', 'payload']);
  const messages = raw.components?.messages ?? {};
  const payloads = Object.fromEntries(
    Object.entries(messages).map(([key, message]) => [key, { payload: message.payload }]));
  ajv.addSchema({
    $id: 'asyncapi',
    components: { schemas: raw.components?.schemas ?? {}, messages: payloads },
  });
  return Object.fromEntries(Object.keys(messages).map((key) => [
    key, ajv.compile({ $ref: `asyncapi#/components/messages/${key}/payload` }),
  ]));
}

const seen = new Set();
for (const path of documents) {
  const text = readFileSync(path, 'utf8');
  const { document, diagnostics, errors } = await errorsOf(text);
  for (const d of diagnostics) {
    if (d.severity !== DiagnosticSeverity.Error) {
      console.log(`${path}: note (severity ${d.severity}) ${d.code}: ${d.message}`);
    }
  }
  for (const e of errors) console.error(`${path}: ${e.code}: ${e.message} at ${JSON.stringify(e.path)}`);
  check(errors.length === 0 && document !== undefined, `${path}: parses without errors`);

  const raw = JSON.parse(text);
  const validate = validators(raw);
  const messages = raw.components?.messages ?? {};
  check(Object.keys(messages).length > 0, `${path}: has messages`);
  for (const [key, message] of Object.entries(messages)) {
    seen.add(key);
    const example = message.examples?.[0]?.payload;
    check(example !== undefined, `${path}: ${key} has an example`);
    if (example === undefined) continue;
    const valid = validate[key](example);
    if (!valid) console.error(JSON.stringify(validate[key].errors, null, 2));
    check(valid, `${path}: ${key}: the example matches the payload schema`);
    check(!validate[key]({ ...example, unexpected_key: 1 }),
          `${path}: ${key}: the schema refuses an unknown key`);
    check(key in written, `${path}: ${key}: the generated writer knows the event`);
    check(isDeepStrictEqual(example, written[key]),
          `${path}: ${key}: the example is the generated writer's JSON\n` +
          `  document: ${JSON.stringify(example)}\n  writer:   ${JSON.stringify(written[key])}`);
  }

  // The parser check is not vacuous: the same document without info.version fails.
  const broken = JSON.parse(text);
  delete broken.info.version;
  check((await errorsOf(JSON.stringify(broken))).errors.length > 0,
        `${path}: a document without info.version gives a parser error`);
}
for (const type of Object.keys(written)) {
  check(seen.has(type), `event ${type} is in one of the documents`);
}

console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);

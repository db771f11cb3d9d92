// The strongest type test: the generated TypeScript declarations accept the
// JSON the generated C++ writer really produces. For each schema library
// NAME, the program given to --examples-from (tests/catalogue's
// catalogue_examples) prints the writer's JSON of every event's catalogue
// sample; each is compiled as
//
//   const e: Extract<AnyEvent, { type: "new_comment" }> = {"type":"new_comment",...};
//
// (the event's interface, found by its "type") against NAME.d.ts, which must
// give no error. So that this cannot pass vacuously, each example is also
// compiled with an unknown key added and with another "type", and each of
// those must fail; the schema's events (channels in NAME.js, imported as a
// browser would: a module without imports) must be exactly the examples'
// events, and EventType exactly their types.
//
//   node check_examples.mjs --examples-from build/tests/catalogue/catalogue_examples \
//       --schema sample_schema=generated/ts/sample_schema \
//       --schema codegen_test_schema=build/.../codegen_test_schema_gen/codegen_test_schema
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createChecker } from './typecheck.mjs';

function usage(message) {
  console.error(`check_examples: ${message}\n` +
                'usage: check_examples.mjs --examples-from PROGRAM --schema NAME=PATH...');
  process.exit(2);
}

let program;
const schemas = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--examples-from') {
    program = args[++i];
  } else if (args[i] === '--schema') {
    const [name, path] = (args[++i] ?? '').split('=');
    if (!name || !path) usage(`--schema needs NAME=PATH, got "${args[i]}"`);
    schemas.push({ name, path: resolve(path) });
  } else {
    usage(`unknown argument "${args[i]}"`);
  }
}
if (!program || schemas.length === 0) usage('--examples-from and at least one --schema are required');

let passed = 0;
const failures = [];
function check(ok, what, details = []) {
  if (ok) {
    passed += 1;
  } else {
    failures.push(what);
    console.error(`FAIL ${what}`);
    for (const line of details) console.error(`     ${line}`);
  }
}

const literal = (value) => JSON.stringify(value);

for (const { name, path } of schemas) {
  const written = JSON.parse(execFileSync(program, [name], { encoding: 'utf8' }));
  const types = Object.keys(written);
  check(types.length > 0, `${name}: the writer has examples`);

  // The runtime module as a browser loads it: no imports, nothing else needed.
  const source = readFileSync(`${path}.js`, 'utf8');
  const { channels } = await import(`data:text/javascript,${encodeURIComponent(source)}`);
  const declared = new Set(Object.values(channels).flatMap((channel) => channel.events));
  check(Object.isFrozen(channels) && Object.values(channels).every(
    (c) => Object.isFrozen(c) && Object.isFrozen(c.events) && Object.isFrozen(c.params)),
        `${name}.js: channels is frozen`);
  for (const type of types) check(declared.has(type), `${name}.js: a channel has event ${type}`);
  for (const type of declared) check(type in written, `${name}: the writer knows event ${type}`);

  const lines = [
    `import type { AnyEvent, EventType } from ${literal(name)};`,
    'type Of<T extends EventType> = Extract<AnyEvent, { type: T }>;',
    'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
    `export const everyType: Equal<EventType, ${types.map(literal).join(' | ')}> = true;`,
  ];
  const mustFail = new Map();  // line number -> what it is
  types.forEach((type, i) => {
    const example = written[type];
    lines.push(`export const example${i}: Of<${literal(type)}> = ${literal(example)};`);
    lines.push(`export const unknownKey${i}: Of<${literal(type)}> = ` +
               `${literal({ ...example, unexpected_key: 1 })};`);
    mustFail.set(lines.length, `${type} with an unknown key`);
    const other = types.find((t) => t !== type) ?? `not_${type}`;
    lines.push(`export const otherType${i}: Of<${literal(type)}> = ` +
               `${literal({ ...example, type: other })};`);
    mustFail.set(lines.length, `${type} with "type": ${literal(other)}`);
  });
  const file = resolve(`${name}.examples.ts`);  // in memory only
  const errors = createChecker({ [name]: path })(file, lines.join('\n') + '\n');
  const exampleErrors = errors.filter((e) => e.file !== file || !mustFail.has(e.line));
  check(exampleErrors.length === 0,
        `${name}.d.ts accepts the writer's JSON of its ${types.length} events`,
        exampleErrors.map((e) => `${e.text}\n       at: ${lines[e.line - 1] ?? ''}`));
  for (const [line, what] of mustFail) {
    check(errors.some((e) => e.file === file && e.line === line), `${name}.d.ts refuses ${what}`);
  }
}
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);

// Type tests: TypeScript files that must compile and files that must not.
//
//   node run_type_tests.mjs [--path SPECIFIER=FILE]... DIR...
//
// Each DIR holds pass/*.ts and fail/*.ts (either may be missing, not both
// across all DIRs). Each file is compiled alone, as by
// `tsc --strict --noEmit --target es2022 --module es2022 --moduleResolution bundler`
// (typecheck.mjs), with each --path as a module path mapping:
//   --path sample_schema=generated/ts/sample_schema   (import ... from "sample_schema")
// - a pass/ file must compile without any error;
// - a fail/ file starts with `// expect-error TS2322` (one or more codes) and
//   must fail with errors of those codes only: a file that fails for another
//   reason (a typo, a missing import: TS2307) fails the test, so that a test
//   cannot pass vacuously.
// Exit status 0 when every file behaves, 1 otherwise, 2 on bad usage.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createChecker } from './typecheck.mjs';

function usage(message) {
  console.error(`run_type_tests: ${message}\n` +
                'usage: run_type_tests.mjs [--path SPECIFIER=FILE]... DIR...');
  process.exit(2);
}

const paths = {};
const dirs = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--path') {
    const mapping = args[++i] ?? '';
    const eq = mapping.indexOf('=');
    if (eq <= 0) usage(`--path needs SPECIFIER=FILE, got "${mapping}"`);
    paths[mapping.slice(0, eq)] = mapping.slice(eq + 1);
  } else {
    dirs.push(resolve(args[i]));
  }
}
if (dirs.length === 0) usage('no directory given');

function filesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f));
}

const check = createChecker(paths);
let passed = 0;
const failed = [];
function report(ok, what, details = []) {
  if (ok) {
    passed += 1;
    console.log(`ok   ${what}`);
  } else {
    failed.push(what);
    console.error(`FAIL ${what}`);
    for (const line of details) console.error(`     ${line}`);
  }
}

let files = 0;
for (const dir of dirs) {
  for (const file of filesIn(join(dir, 'pass'))) {
    files += 1;
    const errors = check(file);
    report(errors.length === 0, `${file}: compiles`, errors.map((e) => e.text));
  }
  for (const file of filesIn(join(dir, 'fail'))) {
    files += 1;
    const first = readFileSync(file, 'utf8').split('\n', 1)[0];
    const match = /^\/\/\s*expect-error((?:\s+TS\d+)+)\s*$/.exec(first);
    if (!match) {
      report(false, `${file}: fails`, ['the first line must be "// expect-error TS<code> ..."']);
      continue;
    }
    const expected = new Set(match[1].trim().split(/\s+/).map((c) => Number(c.slice(2))));
    const errors = check(file);
    const others = errors.filter((e) => !expected.has(e.code));
    const codes = [...expected].map((c) => `TS${c}`).join(', ');
    report(errors.length > 0 && others.length === 0,
           `${file}: fails with ${codes} only`,
           errors.length === 0 ? ['it compiles'] : others.map((e) => `unexpected: ${e.text}`));
  }
}
if (files === 0) usage(`no pass/*.ts or fail/*.ts in ${dirs.join(', ')}`);
console.log(`${passed} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);

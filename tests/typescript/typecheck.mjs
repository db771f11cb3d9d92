// Type-checks TypeScript files in-process with the compiler of the
// repository's node_modules (the `typescript` package, the same compiler as
// node_modules/.bin/tsc), with the options of
//
//   tsc --strict --noEmit --target es2022 --module es2022 --moduleResolution bundler
//       --lib es2022,dom --types ''
//
// plus module path mappings, so that tests import generated declarations by a
// bare name: {"sample_schema": "/.../generated/ts/sample_schema"} resolves
// `import type {Channels} from "sample_schema"` to sample_schema.d.ts.
// One program per file (files do not see each other's globals); the parsed
// lib files are shared between programs, which keeps a run fast.
//
//   const check = await createChecker({ sample_schema: '/abs/generated/ts/sample_schema' });
//   for (const d of check('/abs/pass/a.ts')) console.log(d.code, d.line, d.text);
//   check('/abs/virtual.ts', 'const x: number = 1;')  // a file that exists only in memory
import { resolve } from 'node:path';

async function loadTypeScript() {
  try {
    return (await import('typescript')).default;
  } catch (error) {
    console.error(`typecheck: ${error.message}\n` +
                  'TypeScript is missing: run tools/install-deps.sh (npm ci at the repository root).');
    process.exit(2);
  }
}

export const ts = await loadTypeScript();

// `paths`: module specifier (a "*" wildcard allowed) -> file or directory,
// without the .d.ts/.ts extension.
export function createChecker(paths = {}) {
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipDefaultLibCheck: true,  // the lib files, not the declarations under test
    paths: Object.fromEntries(Object.entries(paths).map(([from, to]) => [from, [resolve(to)]])),
  };
  const cache = new Map();  // file name -> SourceFile (libs and declarations, never the checked file)
  return function check(fileName, text) {
    fileName = resolve(fileName);
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      if (name === fileName) {
        return text === undefined
          ? getSourceFile(name, languageVersion, onError, shouldCreate)
          : ts.createSourceFile(name, text, languageVersion, true);
      }
      if (!cache.has(name)) cache.set(name, getSourceFile(name, languageVersion, onError, shouldCreate));
      return cache.get(name);
    };
    if (text !== undefined) {
      const fileExists = host.fileExists.bind(host);
      host.fileExists = (name) => name === fileName || fileExists(name);
    }
    const program = ts.createProgram({ rootNames: [fileName], options, host });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined
        ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return {
        code: d.code,
        file: d.file?.fileName,
        line: where ? where.line + 1 : undefined,
        text: `${d.file ? `${d.file.fileName}(${where.line + 1},${where.character + 1}): ` : ''}` +
              `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      };
    });
  };
}

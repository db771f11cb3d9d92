// Fails when client/dist/ is not what the TypeScript compiler makes of
// client/src/ today: dist/ is checked in (the gateway embeds it at build time,
// without Node), so a source change must come with its rebuilt output
// (`npm run build` in client/, i.e. the repository's tsc -p client/tsconfig.json).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const client = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(client, "..");
const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
const out = mkdtempSync(join(tmpdir(), "pubsub-client-dist-"));

// Every file below `dir`, as sorted paths relative to it: the whole tree is
// compared, since the client is several modules (and could grow folders).
function filesBelow(dir, prefix = "") {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? filesBelow(dir, path) : [path];
    })
    .sort();
}

try {
  execFileSync(process.execPath, [tsc, "-p", join(client, "tsconfig.json"), "--outDir", out],
               { stdio: "inherit" });
  const fresh = filesBelow(out);
  const checkedIn = filesBelow(join(client, "dist"));
  const problems = [];
  for (const name of new Set([...fresh, ...checkedIn])) {
    if (!fresh.includes(name)) problems.push(`dist/${name}: not produced by the source any more`);
    else if (!checkedIn.includes(name)) problems.push(`dist/${name}: missing`);
    else if (readFileSync(join(out, name), "utf8") !== readFileSync(join(client, "dist", name), "utf8"))
      problems.push(`dist/${name}: differs from what the source compiles to`);
  }
  if (problems.length > 0) {
    console.error(problems.join("\n"));
    console.error("client/dist/ is stale: run `npm run build` in client/ and commit dist/.");
    process.exit(1);
  }
  console.log(`client/dist/ is current (${fresh.join(", ")})`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

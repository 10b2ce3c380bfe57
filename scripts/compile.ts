/**
 * `deno task compile`: builds the single executable `dist/flock` with a real
 * `deno compile`. The client assets and the migrations are embedded through
 * the module graph (raw imports). The entry is `server/main.ts` (Flock
 * itself, no launcher: a compiled binary cannot re-run itself with other
 * permissions), and the baked permissions are `COMPILED_FLAGS` from
 * `server/launcher/grants.ts`: the same on every machine, naming neither
 * the builder's HOME nor its checkout (AGENTS.md says what they cost).
 *
 * `deno compile` needs `denort` (the runtime without the toolchain). It comes
 * from `DENORT_BIN` or from the release zip in Deno's cache
 * (`$DENO_DIR/dl/release/v<version>/denort-<target>.zip`). When neither is
 * there this script stops with an explanation instead of letting Deno try a
 * download (which fails with a DNS error on an offline machine). Pass
 * `--download` to let Deno fetch the zip itself on a machine with internet.
 *
 * Usage: `deno task compile [--download] [--output dist/flock]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { COMPILED_FLAGS } from "../server/launcher/grants.ts";

/** The repository root (this file is `scripts/compile.ts`). */
export const ROOT = new URL("../", import.meta.url);

/** Where denort was found, or where it was looked for. */
export type DenortLookup =
  | { kind: "env"; path: string }
  | { kind: "zip"; path: string }
  | { kind: "missing"; zipPath: string; badEnv?: string };

/** The path of the denort zip in Deno's cache, as `deno compile` looks it up. */
export function denortZipPath(
  denoDir: string,
  version: string,
  target: string,
): string {
  return `${denoDir}/dl/release/v${version}/denort-${target}.zip`;
}

/** Facts {@linkcode findDenort} needs, injected for tests. */
export interface DenortFacts {
  /** The `DENORT_BIN` environment variable. */
  denortBin: string | undefined;
  /** `denoDir` from `deno info --json`. */
  denoDir: string;
  /** The running Deno's version, e.g. `2.9.6`. */
  version: string;
  /** The target triple, e.g. `x86_64-unknown-linux-gnu`. */
  target: string;
  /** Whether a file exists at a path. */
  isFile: (path: string) => boolean;
}

/** Looks for denort the way `deno compile` does (minus the download). */
export function findDenort(facts: DenortFacts): DenortLookup {
  const zipPath = denortZipPath(facts.denoDir, facts.version, facts.target);
  if (facts.denortBin !== undefined && facts.denortBin !== "") {
    if (facts.isFile(facts.denortBin)) {
      return { kind: "env", path: facts.denortBin };
    }
    return { kind: "missing", zipPath, badEnv: facts.denortBin };
  }
  if (facts.isFile(zipPath)) return { kind: "zip", path: zipPath };
  return { kind: "missing", zipPath };
}

/** The one-paragraph explanation printed when denort is not available. */
export function missingDenortMessage(
  lookup: Extract<DenortLookup, { kind: "missing" }>,
  version: string,
  target: string,
): string {
  const badEnv = lookup.badEnv === undefined
    ? ""
    : ` DENORT_BIN is set to ${lookup.badEnv}, but there is no file there.`;
  return `flock compile: cannot build dist/flock because \`deno compile\` needs denort, the Deno ${version} runtime for ${target} that executables are built from, and none is available on this machine.${badEnv} Provide one of: (1) DENORT_BIN=/path/to/denort, the extracted \`denort\` binary of exactly Deno ${version}; or (2) the release zip, unchanged, at ${lookup.zipPath} (get https://dl.deno.land/release/v${version}/denort-${target}.zip on a machine with internet access and copy it there). On a machine that can reach dl.deno.land, \`deno task compile --download\` lets Deno fetch the zip itself. Until then, \`deno task bundle\` builds the same server as one file (dist/flock.js) that runs anywhere with \`deno run\` (see the README).`;
}

/** The full `deno compile` argument list. */
export function compileArgs(options: {
  permissions: readonly string[];
  output: string;
  entry: string;
  config: string;
}): string[] {
  return [
    "compile",
    "--config",
    options.config,
    "--unstable-raw-imports",
    ...options.permissions,
    "--output",
    options.output,
    options.entry,
  ];
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    denoDir?: string;
  };
  if (!out.success || !info.denoDir) {
    throw new Error("Cannot read denoDir from `deno info --json`");
  }
  return info.denoDir;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function print(stream: "stdout" | "stderr", text: string): void {
  (stream === "stdout" ? Deno.stdout : Deno.stderr).writeSync(
    new TextEncoder().encode(text.endsWith("\n") ? text : text + "\n"),
  );
}

/** Runs the compile; returns the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      download: { type: "boolean" },
      output: { type: "string" },
    },
  });
  const version = Deno.version.deno;
  const target = Deno.build.target;
  const lookup = findDenort({
    denortBin: Deno.env.get("DENORT_BIN"),
    denoDir: await denoDir(),
    version,
    target,
    isFile,
  });
  if (lookup.kind === "missing" && !values.download) {
    print("stderr", missingDenortMessage(lookup, version, target));
    return 1;
  }
  const root = new URL(".", ROOT).pathname.replace(/\/$/, "");
  const permissions = [...COMPILED_FLAGS];
  const output = values.output ?? `${root}/dist/flock`;
  await Deno.mkdir(output.slice(0, output.lastIndexOf("/")) || ".", {
    recursive: true,
  });
  const argv = compileArgs({
    permissions,
    output,
    entry: `${root}/server/main.ts`,
    config: `${root}/deno.json`,
  });
  print(
    "stdout",
    `flock compile: using denort from ${
      lookup.kind === "missing" ? "a download (--download)" : lookup.path
    }\nflock compile: baked permissions: ${permissions.join(" ")}`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: argv,
    cwd: root,
    stdout: "inherit",
    stderr: lookup.kind === "missing" ? "piped" : "inherit",
  }).spawn();
  if (lookup.kind !== "missing") {
    return (await child.status).code;
  }
  // A download was allowed: keep Deno's network errors out of the way of the explanation.
  const [status, err] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
  ]);
  if (status.success) {
    print("stderr", err);
    return 0;
  }
  if (/dl\.deno\.land|denort|base binary/i.test(err)) {
    print("stderr", missingDenortMessage(lookup, version, target));
  } else {
    print("stderr", err);
  }
  return status.code || 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

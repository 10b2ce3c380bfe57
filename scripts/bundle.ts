/**
 * `deno task bundle`: builds Flock into one JavaScript file with
 * `deno bundle --platform deno` (default `dist/flock.js`), from
 * `server/cli.ts`, so the file holds the launcher too: run with the
 * launcher's permissions (README, "One file"), it re-runs itself narrowed
 * to what its flags need. Raw imports (the migrations and the client
 * assets) are inlined, so the file runs from any directory and reads nothing
 * from the source tree. Bundling `server/main.ts` instead gives exactly what
 * `deno compile` packs, which is how compile-safety is proven on a machine
 * without denort (`scripts/bundle_e2e_test.ts`).
 *
 * Usage: `deno run -A scripts/bundle.ts [--output dist/flock.js]`
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The repository root (this file is `scripts/bundle.ts`). */
export const ROOT = new URL("../", import.meta.url);

/** The `deno bundle` argument list. */
export function bundleArgs(options: {
  output: string;
  entry: string;
  config: string;
}): string[] {
  return [
    "bundle",
    "--config",
    options.config,
    "--platform",
    "deno",
    "--unstable-raw-imports",
    "--output",
    options.output,
    options.entry,
  ];
}

/**
 * Bundles Flock.
 *
 * @param output Where to write (default `dist/flock.js`).
 * @param entry The entry module, relative to the repository root (default
 *   `server/cli.ts`, the launcher and the server).
 * @returns The path of the bundle.
 * @throws {Error} with Deno's output when bundling fails.
 */
export async function bundle(
  output?: string,
  entry = "server/cli.ts",
): Promise<string> {
  const root = ROOT.pathname.replace(/\/$/, "");
  const out = output ?? `${root}/dist/flock.js`;
  await Deno.mkdir(out.slice(0, out.lastIndexOf("/")) || ".", {
    recursive: true,
  });
  const result = await new Deno.Command(Deno.execPath(), {
    args: bundleArgs({
      output: out,
      entry: `${root}/${entry}`,
      config: `${root}/deno.json`,
    }),
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const dec = new TextDecoder();
    throw new Error(
      `Cannot bundle the server: deno bundle exited with ${result.code}\n${
        dec.decode(result.stdout)
      }${dec.decode(result.stderr)}`,
    );
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { output: { type: "string" } },
  });
  try {
    const out = await bundle(values.output);
    Deno.stdout.writeSync(new TextEncoder().encode(`Bundled ${out}\n`));
  } catch (error) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `${error instanceof Error ? error.message : String(error)}\n`,
      ),
    );
    Deno.exit(1);
  }
}

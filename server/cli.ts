/**
 * The entry point of `deno task start`/`serve` and of the bundle
 * (`dist/flock.js`). Run by a user, it is the launcher
 * (`server/launcher/launch.ts`): it works out the permissions Flock's flags
 * need and runs this same module again, narrowed to them, with
 * `--launched-child` first; that run is Flock itself (`main`), which also
 * shuts down when the launcher's lifeline (its stdin) ends.
 *
 * The compiled binary does not come here: it runs `server/main.ts` with its
 * baked permissions (see `scripts/compile.ts`).
 *
 * @module
 */
import { launcherGone } from "./launcher/child.ts";
import { launch, LAUNCHED_CHILD_ARG } from "./launcher/launch.ts";

/**
 * Runs the launcher, or (after {@linkcode LAUNCHED_CHILD_ARG}) Flock.
 *
 * @param options.denoFlags Extra `deno run` flags for the launched Flock
 *   (`deno task dev` passes `--watch`).
 */
export async function cli(
  args: readonly string[],
  options: { denoFlags?: readonly string[] } = {},
): Promise<number> {
  // Loaded on demand: the launcher stays small and never loads the server.
  const serve = async (flockArgs: readonly string[], launched: boolean) => {
    const { main } = await import("./main.ts");
    return await main(flockArgs, launched ? { stop: launcherGone() } : {});
  };
  if (args[0] === LAUNCHED_CHILD_ARG) return await serve(args.slice(1), true);
  return await launch({
    args,
    // This module, also when the launcher was started from another one.
    entry: import.meta.url,
    denoFlags: options.denoFlags,
    serveInProcess: (flockArgs) => serve(flockArgs, false),
  });
}

if (import.meta.main) {
  Deno.exit(await cli(Deno.args));
}

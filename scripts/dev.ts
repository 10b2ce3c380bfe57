/**
 * `deno task dev`: the launcher of `deno task start`, with the narrowed
 * Flock run under `--watch` so it restarts when the server or the
 * migrations change. The launcher itself is not watched (a restarted
 * launcher would lose its child).
 *
 * @module
 */
import { cli } from "../server/cli.ts";

/** The paths the server restarts on, relative to the repository root. */
export const WATCHED = ["server/", "migrations/"];

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  Deno.exit(
    await cli(Deno.args, {
      denoFlags: [
        `--watch=${WATCHED.map((p) => new URL(p, root).pathname).join(",")}`,
      ],
    }),
  );
}

/**
 * The process helper's entry point under Bun (`BUN_BE_BUN=1 opencode -e
 * <this file's text> <sources>`): registers `procfs.ts` and `proc_helper.ts`
 * as virtual modules from their text (the last argv entry, a JSON object
 * `{ procfs, helper }`), loads them and serves requests. Deno never runs
 * this file; `process_helper.ts` embeds it, and the two modules, as text.
 *
 * @module
 */
import process from "node:process";

/** The part of Bun's runtime plugin API this entry uses. */
interface BunPluginBuilder {
  module(
    specifier: string,
    load: () => { contents: string; loader: "ts" },
  ): void;
}

declare const Bun: {
  plugin(plugin: { name: string; setup(build: BunPluginBuilder): void }): void;
};

const sources: { procfs: string; helper: string } = JSON.parse(
  process.argv.at(-1) ?? "{}",
);
Bun.plugin({
  name: "flock-process-helper",
  setup(build) {
    build.module("flock:procfs", () => ({
      contents: sources.procfs,
      loader: "ts",
    }));
    build.module("flock:helper", () => ({
      contents: sources.helper,
      loader: "ts",
    }));
  },
});
// Typed as the real modules; the specifiers resolve to their text above.
const procfs: typeof import("./procfs.ts") = await import("flock:procfs");
const helper: typeof import("./proc_helper.ts") = await import(
  "flock:helper"
);
helper.runHelper(procfs);

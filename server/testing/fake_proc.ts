/**
 * A `/proc` made of strings, for in-process tests of the `/proc` reader and
 * the process helper.
 *
 * @module
 */
import type { ProcSource } from "../processes/procfs.ts";

/** A `/proc` made of strings. */
export function fakeProc(files: Record<string, string>): ProcSource {
  return {
    list: () => [
      ...new Set(Object.keys(files).map((path) => path.split("/")[0]!)),
      "self",
    ],
    read: (path) => files[path] ?? null,
  };
}

/** A stat line: `pid (comm) state ppid pgid sid ... starttime`. */
export function statLine(
  pid: number,
  comm: string,
  state: string,
  ppid: number,
  start: number,
): string {
  const rest = Array.from({ length: 15 }, () => "0");
  return `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} ${
    rest.join(" ")
  } ${start} 0 0\n`;
}

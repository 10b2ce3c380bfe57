/**
 * The launcher's watch on the task runner that started it. Flock's lifeline
 * (its stdin, see `child.ts`) covers a launcher that dies; this covers the
 * process above it: when `deno task start` itself is SIGKILLed (an IDE's
 * stop button, `kill -9`), the launcher is re-parented and would live on,
 * with Flock and its OpenCode children, holding the port. The launcher polls
 * its parent's pid ({@linkcode watchParent}); when it changes, the parent is
 * gone, and the launcher stops Flock as on SIGHUP.
 *
 * It applies only under a task runner ({@linkcode startedByTaskRunner}):
 * `nohup deno run … server/cli.ts &` followed by closing the shell also
 * re-parents the launcher, and there Flock must keep running.
 *
 * On Windows a process keeps its parent's pid after the parent exits, so
 * the watch never fires there.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";

/** How often the launcher looks at its parent's pid, in ms. */
export const PARENT_POLL_MS = 1000;

/**
 * Whether the launcher was started by a task runner, so that it should stop
 * Flock when that runner is gone: `deno task` (verified with Deno 2.9.6) and
 * npm's scripts set `INIT_CWD` for the commands they run, and `deno task`
 * keeps one it inherited. A hand-started launcher (`deno run … server/cli.ts`,
 * the bundle) has none, and outlives its shell when detached.
 */
export function startedByTaskRunner(
  env: (name: string) => string | undefined,
): boolean {
  return (env("INIT_CWD") ?? "") !== "";
}

/** Options for {@linkcode watchParent}. */
export interface ParentWatchOptions {
  /** The parent's pid now (`() => Deno.ppid`, which is read afresh each time). */
  parentPid: () => number;
  /** Default {@linkcode systemClock}. */
  clock?: Clock;
  /** Default {@linkcode PARENT_POLL_MS}. */
  intervalMs?: number;
  /**
   * Called once, when the parent's pid is no longer the one it was when the
   * watch began (the parent exited and this process was re-parented). Must
   * not throw.
   */
  onGone: () => void;
}

/**
 * Polls the parent's pid every `intervalMs` until it changes (then calls
 * `onGone` once and stops) or the watch is disposed. Disposing clears the
 * pending timer, so the watch never keeps a process alive.
 */
export function watchParent(options: ParentWatchOptions): Disposable {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? PARENT_POLL_MS;
  const first = options.parentPid();
  const stop = new AbortController();
  void (async () => {
    while (await clock.sleep(intervalMs, stop.signal)) {
      if (options.parentPid() !== first) {
        options.onGone();
        return;
      }
    }
  })();
  return { [Symbol.dispose]: () => stop.abort() };
}

/**
 * Runs the narrowed Flock as a child of the launcher and stands in for it:
 * stdout and stderr are inherited, every SIGINT, SIGTERM and SIGHUP the
 * launcher gets is passed on, and the child's exit becomes the launcher's
 * exit code. The child's stdin is a pipe the launcher never writes to: when
 * the launcher dies, even by SIGKILL, the child reads end-of-file and shuts
 * down (see {@linkcode launcherGone}), so neither Flock nor its OpenCode
 * children outlive it. Optionally it also watches the process that started
 * it (`parent_watch.ts`): when that is gone, Flock gets a SIGHUP, as when a
 * terminal closes, and the launcher exits with Flock's code.
 *
 * @module
 */
import { print } from "../command_line.ts";
import { type ParentWatchOptions, watchParent } from "./parent_watch.ts";

/** The signals the launcher passes on to Flock. */
export const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** One of {@linkcode FORWARDED_SIGNALS}. */
export type ForwardedSignal = typeof FORWARDED_SIGNALS[number];

/** Where signal handlers are installed (Deno's, or a fake in tests). */
export interface ForwardTarget {
  add(signal: ForwardedSignal, handler: () => void): void;
  remove(signal: ForwardedSignal, handler: () => void): void;
}

const DENO_SIGNALS: ForwardTarget = {
  add: (signal, handler) => Deno.addSignalListener(signal, handler),
  remove: (signal, handler) => Deno.removeSignalListener(signal, handler),
};

/**
 * Passes each forwarded signal to `send` until disposed. A signal the
 * platform cannot listen for (SIGTERM and SIGHUP on Windows) is skipped.
 */
export function forwardSignals(
  send: (signal: ForwardedSignal) => void,
  target: ForwardTarget = DENO_SIGNALS,
): Disposable {
  const installed: [ForwardedSignal, () => void][] = [];
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => send(signal);
    try {
      target.add(signal, handler);
      installed.push([signal, handler]);
    } catch {
      // Not available on this platform.
    }
  }
  return {
    [Symbol.dispose]() {
      for (const [signal, handler] of installed) {
        target.remove(signal, handler);
      }
    },
  };
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/**
 * The exit code that reports a child's end the way a shell does: its own
 * code, or 128 + the signal number when a signal ended it.
 *
 * @example
 * ```ts
 * exitCodeOf({ code: 137, signal: "SIGKILL" }); // 137
 * exitCodeOf({ code: 0, signal: null }); // 0
 * ```
 */
export function exitCodeOf(
  status: { code: number; signal: Deno.Signal | null },
): number {
  if (status.signal === null) return status.code;
  const n = SIGNAL_NUMBERS[status.signal];
  return n === undefined ? Math.max(status.code, 1) : 128 + n;
}

/** Options for {@linkcode runChild}. */
export interface RunChildOptions {
  /** The program (the running Deno). */
  command: string;
  args: readonly string[];
  /** Signal handlers (tests pass a fake). */
  signals?: ForwardTarget;
  /**
   * Watch the launcher's parent and stop Flock (SIGHUP) when it is gone;
   * no watch when undefined (see `startedByTaskRunner`).
   */
  parent?: Omit<ParentWatchOptions, "onGone">;
}

/**
 * Starts the child, forwards signals to it until it exits, and returns its
 * exit code ({@linkcode exitCodeOf}).
 */
export async function runChild(options: RunChildOptions): Promise<number> {
  const child = new Deno.Command(options.command, {
    args: [...options.args],
    stdin: "piped",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const send = (signal: ForwardedSignal) => {
    try {
      child.kill(signal);
    } catch {
      // It has just exited; its status is on the way.
    }
  };
  // Installed in the same tick as the spawn: no signal can fall between.
  using _forwarding = forwardSignals(send, options.signals);
  using _parent = options.parent === undefined ? undefined : watchParent({
    ...options.parent,
    onGone() {
      try {
        print(
          "stderr",
          "flock: the task runner that started Flock is gone, stopping Flock",
        );
      } catch {
        // Nobody reads the output any more.
      }
      send("SIGHUP");
    },
  });
  // The pipe's write end stays open, unwritten, until this process ends.
  const lifeline = child.stdin.getWriter();
  try {
    return exitCodeOf(await child.status);
  } finally {
    await lifeline.close().catch(() => {});
  }
}

/**
 * The child's side of the lifeline: resolves when stdin reaches end-of-file,
 * which happens when the launcher is gone. Anything written is ignored.
 */
export async function launcherGone(
  stdin: ReadableStream<Uint8Array> = Deno.stdin.readable,
): Promise<void> {
  try {
    for await (const _ of stdin) {
      // Nothing is ever sent; only the end matters.
    }
  } catch {
    // A read error means the pipe is broken: the launcher is gone too.
  }
}

/**
 * Waiting for SIGINT/SIGTERM/SIGHUP in a way that survives duplicate delivery.
 *
 * A terminal's Ctrl+C reaches every process of the foreground group, and
 * `deno task` also forwards the signal to its child, so one keypress arrives
 * twice within milliseconds (verified). Repeats inside a grace window are
 * ignored; a later one is a deliberate second signal and forces the exit.
 *
 * @module
 */

/**
 * The signals that stop Flock. SIGHUP (the terminal closed) is one of them:
 * its default action would kill Flock without stopping its children, which
 * run in their own sessions and would be left behind.
 */
export type ShutdownSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Where signal handlers are installed (Deno's, or a fake in tests). */
export interface SignalTarget {
  add(signal: ShutdownSignal, handler: () => void): void;
  remove(signal: ShutdownSignal, handler: () => void): void;
}

/** Options for {@linkcode watchShutdownSignals}. */
export interface ShutdownSignalOptions {
  /** Called on a second signal after the grace window; should exit. */
  onForce: (signal: ShutdownSignal) => void;
  /** Repeats within this many ms of the first are duplicates. Default 1000. */
  duplicateWindowMs?: number;
  target?: SignalTarget;
  now?: () => number;
}

/** A running watch; dispose it to remove the handlers. */
export interface ShutdownSignalWatch extends Disposable {
  /** Resolves with the first signal. */
  readonly first: Promise<ShutdownSignal>;
}

const DENO_SIGNALS: SignalTarget = {
  add: (signal, handler) => Deno.addSignalListener(signal, handler),
  remove: (signal, handler) => Deno.removeSignalListener(signal, handler),
};

/**
 * Installs SIGINT/SIGTERM/SIGHUP handlers that stay installed until disposed, so a
 * duplicate signal during a graceful shutdown never kills the process with
 * the default action.
 */
export function watchShutdownSignals(
  options: ShutdownSignalOptions,
): ShutdownSignalWatch {
  const target = options.target ?? DENO_SIGNALS;
  const now = options.now ?? Date.now;
  const window = options.duplicateWindowMs ?? 1000;
  const first = Promise.withResolvers<ShutdownSignal>();
  let firstAt: number | undefined;
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) => {
    const handler = () => {
      if (firstAt === undefined) {
        firstAt = now();
        first.resolve(signal);
      } else if (now() - firstAt > window) {
        options.onForce(signal);
      }
    };
    target.add(signal, handler);
    return [signal, handler] as const;
  });
  return {
    first: first.promise,
    [Symbol.dispose]() {
      for (const [signal, handler] of handlers) target.remove(signal, handler);
    },
  };
}

/**
 * What every bench section gets: the mode, the process tracker, a temporary
 * root that is deleted at the end, and a progress printer.
 *
 * @module
 */
import { ProcessTracker } from "./processes.ts";

const encoder = new TextEncoder();

/** Writes text to stdout (the bench's own output; `console` is linted out). */
export function print(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

/** Writes one progress line to stderr. */
export function progress(text: string): void {
  Deno.stderr.writeSync(encoder.encode(`bench: ${text}\n`));
}

/** The shared state of one bench run. */
export class BenchContext implements AsyncDisposable {
  readonly quick: boolean;
  readonly tracker = new ProcessTracker();
  readonly root: string;
  #dirs = 0;

  private constructor(quick: boolean, root: string) {
    this.quick = quick;
    this.root = root;
  }

  /** Creates the context and its temporary root. */
  static async create(quick: boolean): Promise<BenchContext> {
    const root = await Deno.makeTempDir({ prefix: "flock-bench-" });
    return new BenchContext(quick, root);
  }

  /** A new empty directory below the root. */
  async dir(name: string): Promise<string> {
    this.#dirs++;
    const path = `${this.root}/${this.#dirs}-${name}`;
    await Deno.mkdir(path, { recursive: true });
    return path;
  }

  /** `full` in a full run, `quick` in a quick one. */
  pick<T>(full: T, quick: T): T {
    return this.quick ? quick : full;
  }

  #disposed: Promise<void> | undefined;

  /** Stops every process and deletes the temporary root (once). */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed ??= (async () => {
      try {
        await this.tracker.stopAll();
      } finally {
        await Deno.remove(this.root, { recursive: true }).catch(() => {});
      }
    })();
    return this.#disposed;
  }
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

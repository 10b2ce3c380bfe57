/**
 * Two ways to cost a process's work that hold up on a loaded machine,
 * unlike wall-clock latency:
 *
 * - CPU time: {@linkcode cpuNs} sums `/proc/<pid>/task/*\/schedstat` (the
 *   nanoseconds each thread ran, kernel time included). Time spent waiting
 *   for a core does not count, but a busy machine still inflates it
 *   somewhat (cold caches after every switch).
 * - Instructions: {@linkcode Callgrind} runs the process under `valgrind
 *   --tool=callgrind` with instrumentation off, turns it on only around the
 *   measured work and reads the instruction count (Ir) of that dump. The
 *   count does not depend on the load (only on what the program did) and
 *   covers user space only (no kernel).
 *
 * @module
 */

/** Nanoseconds of CPU the process `pid` has used so far (all threads). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(
        `/proc/${pid}/task/${task.name}/schedstat`,
      );
      total += Number(stat.slice(0, stat.indexOf(" ")));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return total;
}

/** Whether `valgrind` is on PATH. */
export async function hasValgrind(): Promise<boolean> {
  try {
    const out = await new Deno.Command("valgrind", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Instruction counts of one process run under callgrind. */
export class Callgrind {
  readonly #dir: string;
  #pid = 0;

  /** @param dir Where the dumps go (a fresh directory). */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The command prefix to run the measured program with. */
  get wrap(): string[] {
    return [
      "valgrind",
      "--tool=callgrind",
      "--instr-atstart=no",
      "--dump-instr=no",
      `--callgrind-out-file=${this.#dir}/callgrind.out`,
    ];
  }

  /** The pid of the process started with {@linkcode Callgrind.wrap}. */
  attach(pid: number): void {
    this.#pid = pid;
  }

  /** Zeroes the counters and turns instrumentation on. */
  async start(): Promise<void> {
    await this.#control("-z");
    await this.#control("-i", "on");
  }

  /** Dumps, turns instrumentation off and returns the instructions since {@linkcode Callgrind.start}. */
  async stop(): Promise<number> {
    const before = new Set(this.#dumps());
    await this.#control("-d");
    await this.#control("-i", "off");
    // The dump is written by the measured process; wait until it is whole.
    for (let tries = 0; tries < 100; tries++) {
      const fresh = this.#dumps().filter((name) => !before.has(name));
      if (fresh.length === 1) {
        const text = await Deno.readTextFile(`${this.#dir}/${fresh[0]}`);
        // `totals:` is the last line: the dump is complete.
        const total = /^totals: (\d+)/m.exec(text)?.[1];
        if (total !== undefined) return Number(total);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Cannot read the callgrind dump in ${this.#dir}`);
  }

  #dumps(): string[] {
    return [...Deno.readDirSync(this.#dir)].map((entry) => entry.name)
      .filter((name) => name.startsWith("callgrind.out."));
  }

  async #control(...args: string[]): Promise<void> {
    const out = await new Deno.Command("callgrind_control", {
      args: [...args, String(this.#pid)],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `callgrind_control ${args.join(" ")} failed: ${
          new TextDecoder().decode(out.stderr)
        }`,
      );
    }
  }
}

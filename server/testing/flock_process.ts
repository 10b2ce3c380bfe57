/**
 * Starts Flock as a real child process, with exactly the permissions of the
 * `serve` task in deno.json, for tests that need signals and exit codes.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/**
 * The `deno run` flags of the `serve` task, with `$HOME` and
 * `$XDG_DATA_HOME` expanded (the latter empty when not given, as the task
 * shell does for an unset variable).
 */
export async function serveTaskFlags(
  home: string,
  xdgDataHome = "",
): Promise<string[]> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  ) as { tasks: Record<string, string> };
  const serve = config.tasks["serve"];
  if (!serve) throw new Error("deno.json has no serve task");
  const words = serve.split(/\s+/).filter((w) => w !== "");
  const start = words.indexOf("run");
  const end = words.indexOf("server/main.ts");
  return words.slice(start + 1, end).map((w) =>
    w.replaceAll("$XDG_DATA_HOME", xdgDataHome).replaceAll("$HOME", home)
  );
}

/** Options for {@linkcode startFlockProcess}. */
export interface FlockProcessOptions {
  /** Extra CLI args, e.g. `["--port", "0"]`. */
  args?: string[];
  /** The child's HOME (its default data dir lives below it). */
  home: string;
  /** Extra environment (merged over the parent's). */
  env?: Record<string, string>;
  /** Run in a new process group (so a test can signal the whole group). */
  ownGroup?: boolean;
  /**
   * Start through `deno task serve` (as a user does) instead of `deno run`
   * with the task's flags. Signals to the group then also reach the task
   * runner, which forwards them.
   */
  viaTask?: boolean;
  /** Wait for the listening line. Default true. */
  waitForListening?: boolean;
}

/** A running Flock process. */
export interface FlockProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  /** The base URL once listening (empty when not waited for). */
  readonly url: string;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit status and the full output. */
  readonly exited: Promise<
    { code: number; signal: Deno.Signal | null; stdout: string; stderr: string }
  >;
}

/** Starts `deno run <serve flags> server/main.ts <args>` and waits until it listens. */
export async function startFlockProcess(
  options: FlockProcessOptions,
): Promise<FlockProcess> {
  const flags = await serveTaskFlags(
    options.home,
    options.env?.["XDG_DATA_HOME"] ?? "",
  );
  const denoDir = await denoCacheDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: options.viaTask
      ? ["task", "-q", "serve", ...(options.args ?? [])]
      : ["run", ...flags, "server/main.ts", ...(options.args ?? [])],
    cwd: ROOT,
    env: {
      DENO_DIR: denoDir,
      NO_COLOR: "1",
      ...options.env,
      HOME: options.home,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: options.ownGroup ?? false,
  }).spawn();
  let stdout = "";
  let stderr = "";
  const { promise: listening, resolve: onListening } = Promise.withResolvers<
    string
  >();
  const pump = async (
    stream: ReadableStream<Uint8Array<ArrayBuffer>>,
    which: "out" | "err",
  ) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      if (which === "out") {
        stdout += chunk;
        const m = stdout.match(/listening on (http:\/\/\S+)/);
        if (m?.[1]) onListening(m[1]);
      } else {
        stderr += chunk;
      }
    }
  };
  const pumps = Promise.all([
    pump(child.stdout, "out"),
    pump(child.stderr, "err"),
  ]);
  const exited = (async () => {
    const status = await child.status;
    await pumps;
    return { code: status.code, signal: status.signal, stdout, stderr };
  })();
  let url = "";
  if (options.waitForListening ?? true) {
    const timeout = Promise.withResolvers<never>();
    const timer = setTimeout(
      () =>
        timeout.reject(
          new Error(`Flock did not listen within 20 s:\n${stdout}\n${stderr}`),
        ),
      20_000,
    );
    try {
      url = await Promise.race([
        listening,
        exited.then((s) => {
          throw new Error(
            `Flock exited with ${s.code} before listening:\n${s.stdout}\n${s.stderr}`,
          );
        }),
        timeout.promise,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    child,
    pid: child.pid,
    url,
    output: () => ({ stdout, stderr }),
    exited,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

let cachedDenoDir: string | undefined;

/** The Deno cache directory of the running Deno (so children need no download). */
export async function denoCacheDir(): Promise<string> {
  if (cachedDenoDir) return cachedDenoDir;
  const env = Deno.env.get("DENO_DIR");
  if (env) return cachedDenoDir = env;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    denoDir: string;
  };
  return cachedDenoDir = info.denoDir;
}

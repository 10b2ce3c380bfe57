/**
 * `deno task demo`: Flock with every OpenCode child wired to the built-in
 * fake model, fully offline. Starts the fake model, an isolated OpenCode
 * environment (temporary HOME and XDG dirs), Flock itself (with a temporary
 * data dir unless `--data-dir`/`--db` is given) and one demo instance, then
 * runs until Ctrl+C and cleans everything up.
 *
 * Accepts Flock's flags, e.g. `deno task demo --port 0`.
 *
 * Magic words for the fake model: `use bash`, `use bash: <cmd>`,
 * `use read <path>`, `slow`, `say-html`, `failNNN`; anything else is echoed.
 *
 * @module
 */
import { parseConfig, USAGE, UsageError } from "./config.ts";
import { watchShutdownSignals } from "./shutdown_signals.ts";
import { log } from "./log.ts";
import { processEnv } from "./command_line.ts";
import { runFlock, StartupError } from "./main.ts";
import { startFakeModel } from "./testing/fake_model.ts";
import { createOpenCodeEnv } from "./testing/opencode_env.ts";

const encoder = new TextEncoder();

function print(text: string): void {
  Deno.stdout.writeSync(
    encoder.encode(text.endsWith("\n") ? text : `${text}\n`),
  );
}

/** Runs the demo until SIGINT/SIGTERM. Returns the exit code. */
export async function runDemo(
  rawArgs: readonly string[],
): Promise<number> {
  // `deno task demo -- --port 1` passes the "--" through.
  const args = rawArgs[0] === "--" ? rawArgs.slice(1) : rawArgs;
  const own = !args.some((a) => /^--(data-dir|db)(=|$)/.test(a));
  await using model = await startFakeModel({ tokenDelayMs: 60 });
  await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
  let parsed;
  try {
    parsed = parseConfig(
      own ? ["--data-dir", `${env.root}/flock`, ...args] : args,
      processEnv(),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      Deno.stderr.writeSync(
        encoder.encode(`flock demo: ${error.message}\n\n${USAGE}\n`),
      );
      return 2;
    }
    throw error;
  }
  if (parsed.kind !== "run") {
    print(parsed.text);
    return 0;
  }
  const project = await env.workspace("demo-project");
  await Deno.writeTextFile(
    `${project}/hello.txt`,
    "Hello from the Flock demo project.\n",
  );

  let flock;
  try {
    flock = await runFlock(parsed.config, { childEnv: env.env });
  } catch (error) {
    if (error instanceof StartupError) {
      Deno.stderr.writeSync(encoder.encode(`flock demo: ${error.message}\n`));
      return 1;
    }
    throw error;
  }
  try {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      origin: flock.url,
    };
    if (flock.token) headers.authorization = `Bearer ${flock.token}`;
    const created = await fetch(`${flock.url}/api/instances`, {
      method: "POST",
      headers,
      body: JSON.stringify({ working_directory: project, name: "demo" }),
    });
    if (!created.ok) {
      log.warn(
        `Cannot create the demo instance (${created.status}): ${await created
          .text()}`,
      );
    } else {
      await created.body?.cancel();
    }
    print(
      [
        `Flock demo listening on ${flock.loginUrl ?? flock.url}`,
        `Fake model: ${model.baseURL}`,
        `Demo project (instance "demo"): ${project}`,
        `Try: "hello", "use bash", "use read ${project}/hello.txt", "slow", "say-html", "fail500"`,
        "Press Ctrl+C to stop; everything under the temporary dirs is deleted.",
      ].join("\n"),
    );
    using signals = watchShutdownSignals({
      onForce() {
        flock.supervisor.killNow();
        Deno.exit(130);
      },
    });
    log.info(`Received ${await signals.first}, stopping the demo`);
    // Close while the handlers are still installed, so a duplicate signal
    // (deno task forwards Ctrl+C) cannot kill the demo mid-shutdown.
    await flock.close();
  } finally {
    await flock.close();
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await runDemo(Deno.args));
}

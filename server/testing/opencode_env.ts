/**
 * An isolated environment for real OpenCode children in tests and the demo:
 * temporary HOME and XDG dirs, the fake model as the only provider (through
 * `OPENCODE_CONFIG_CONTENT`, so no `opencode.json` file is written anywhere),
 * and no network access at start-up (models fetch, autoupdate, LSP
 * downloads and the background npm install are all turned off or pointed at
 * a dead port).
 *
 * @module
 */

/** The bash permission OpenCode should apply. */
export type BashPermission = "ask" | "allow" | "deny";

/** Options for {@linkcode fakeModelConfig}. */
export interface FakeModelConfigOptions {
  /** Default `ask`, as in API.md §9. Tests that must run a tool use `allow`. */
  bash?: BashPermission;
  /**
   * Adds a second model, `fake/fake-priced` ("Fake Priced", $3/$15 per
   * million tokens, the same fake answers), for tests that pick a model or
   * need a cost above zero.
   */
  pricedModel?: boolean;
}

/**
 * The OpenCode config that makes the fake model the only provider (API.md
 * §9).
 *
 * @param baseURL The fake model's OpenAI base URL (`…/v1`).
 */
export function fakeModelConfig(
  baseURL: string,
  options: FakeModelConfigOptions = {},
): Record<string, unknown> {
  return {
    "$schema": "https://opencode.ai/config.json",
    model: "fake/fake-model",
    small_model: "fake/fake-model",
    enabled_providers: ["fake"],
    autoupdate: false,
    share: "disabled",
    permission: { bash: options.bash ?? "ask" },
    provider: {
      fake: {
        npm: "@ai-sdk/openai-compatible",
        name: "Fake LLM",
        options: { baseURL, apiKey: "sk-fake" },
        models: {
          "fake-model": {
            name: "Fake Model",
            tool_call: true,
            limit: { context: 128000, output: 4096 },
            // Names a message's `variant` can take (they change nothing).
            variants: { quick: {}, deep: {} },
          },
          ...(options.pricedModel
            ? {
              "fake-priced": {
                name: "Fake Priced",
                tool_call: true,
                limit: { context: 64000, output: 4096 },
                cost: { input: 3, output: 15 },
              },
            }
            : {}),
        },
      },
    },
    // OpenCode denies its subagents the question tool by default; this
    // lets the `general` subagent ask (the fake model's `use task question`).
    agent: { general: { permission: { question: "allow" } } },
    // A `/` command: the fake model answers its filled-in template.
    command: {
      hello: {
        template: "Say hello to $ARGUMENTS",
        description: "Greets someone",
      },
    },
  };
}

/** Options for {@linkcode createOpenCodeEnv}. */
export interface OpenCodeEnvOptions extends FakeModelConfigOptions {
  /** The fake model's OpenAI base URL (`…/v1`). */
  modelBaseURL: string;
  /** Where to create the temporary root. Default: the system temp dir. */
  parent?: string;
}

/** An isolated OpenCode environment; dispose it to delete its files. */
export interface OpenCodeEnv extends AsyncDisposable {
  /** The temporary root holding HOME, the XDG dirs and workspaces. */
  readonly root: string;
  /** The variables to give every child (`childEnv` of the supervisor). */
  readonly env: Record<string, string>;
  /** Creates (and returns) an empty project directory `<root>/ws/<name>`. */
  workspace(name: string): Promise<string>;
  /** Deletes the root. */
  cleanup(): Promise<void>;
}

/**
 * Creates the temporary dirs and the environment for children using the
 * fake model.
 */
export async function createOpenCodeEnv(
  options: OpenCodeEnvOptions,
): Promise<OpenCodeEnv> {
  const root = await Deno.makeTempDir({
    prefix: "flock-opencode-",
    ...(options.parent === undefined ? {} : { dir: options.parent }),
  });
  const dirs = {
    HOME: `${root}/home`,
    XDG_DATA_HOME: `${root}/data`,
    XDG_CONFIG_HOME: `${root}/config`,
    XDG_CACHE_HOME: `${root}/cache`,
    XDG_STATE_HOME: `${root}/state`,
  };
  for (const dir of Object.values(dirs)) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.mkdir(`${root}/ws`);
  const env: Record<string, string> = {
    ...dirs,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(
      fakeModelConfig(options.modelBaseURL, options),
    ),
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    npm_config_registry: "http://127.0.0.1:9/",
  };
  let cleaned: Promise<void> | undefined;
  const cleanup = () => {
    cleaned ??= Deno.remove(root, { recursive: true }).catch(
      (error: unknown) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      },
    );
    return cleaned;
  };
  return {
    root,
    env,
    async workspace(name) {
      if (!/^[\w.-]+$/.test(name) || name === "." || name === "..") {
        throw new Error(`Invalid workspace name: ${name}`);
      }
      const dir = `${root}/ws/${name}`;
      await Deno.mkdir(dir, { recursive: true });
      return dir;
    },
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}

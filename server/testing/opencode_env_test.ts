import assert from "node:assert/strict";
import { createOpenCodeEnv, fakeModelConfig } from "./opencode_env.ts";

Deno.test("fakeModelConfig: the fake model is the only provider", () => {
  const config = fakeModelConfig("http://127.0.0.1:1/v1");
  assert.equal(config.model, "fake/fake-model");
  assert.equal(config.small_model, "fake/fake-model");
  assert.deepEqual(config.enabled_providers, ["fake"]);
  assert.deepEqual(config.permission, { bash: "ask" });
  assert.deepEqual(fakeModelConfig("x", { bash: "allow" }).permission, {
    bash: "allow",
  });
  const provider = (config.provider as Record<string, { options: unknown }>)
    .fake;
  assert.deepEqual(provider?.options, {
    baseURL: "http://127.0.0.1:1/v1",
    apiKey: "sk-fake",
  });
});

Deno.test("createOpenCodeEnv: isolated dirs, offline switches, no config file, cleanup", async () => {
  const env = await createOpenCodeEnv({
    modelBaseURL: "http://127.0.0.1:1/v1",
  });
  for (
    const key of [
      "HOME",
      "XDG_DATA_HOME",
      "XDG_CONFIG_HOME",
      "XDG_CACHE_HOME",
      "XDG_STATE_HOME",
    ]
  ) {
    const dir = env.env[key]!;
    assert.ok(dir.startsWith(env.root + "/"), key);
    assert.ok((await Deno.stat(dir)).isDirectory);
  }
  assert.equal(env.env.OPENCODE_DISABLE_MODELS_FETCH, "1");
  assert.equal(env.env.OPENCODE_DISABLE_AUTOUPDATE, "1");
  assert.equal(env.env.OPENCODE_DISABLE_LSP_DOWNLOAD, "1");
  assert.equal(env.env.npm_config_registry, "http://127.0.0.1:9/");
  assert.equal(
    JSON.parse(env.env.OPENCODE_CONFIG_CONTENT!).provider.fake.options.baseURL,
    "http://127.0.0.1:1/v1",
  );
  const ws = await env.workspace("proj");
  assert.equal(ws, `${env.root}/ws/proj`);
  await assert.rejects(() => env.workspace("../x"));
  // No opencode.json anywhere above a workspace.
  for (
    let dir = ws;
    dir !== "/";
    dir = dir.slice(0, dir.lastIndexOf("/")) || "/"
  ) {
    for (const name of ["opencode.json", "opencode.jsonc"]) {
      await assert.rejects(
        () => Deno.stat(`${dir}/${name}`),
        Deno.errors.NotFound,
      );
    }
  }
  await env.cleanup();
  await env.cleanup();
  await assert.rejects(() => Deno.stat(env.root), Deno.errors.NotFound);
});

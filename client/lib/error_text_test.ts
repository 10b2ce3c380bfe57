import { strictEqual } from "node:assert/strict";
import type { InstanceJson } from "../../server/contract/instances.ts";
import { ApiError } from "../api/api_client.ts";
import { errorText } from "./error_text.ts";

function instance(id: string, name: string): InstanceJson {
  return {
    id,
    name,
    working_directory: `/w/${id}-dir`,
    status: "running",
    pid: null,
    port: null,
    restart_count: 0,
    exit_code: null,
    last_error: null,
    kind: "local",
    url: null,
    idle_timeout_s: 900,
    hibernated_at: null,
    memory_rss_bytes: null,
    last_recycle: null,
    created_at: "",
    updated_at: "",
  };
}

const instances = new Map([
  ["inst_1a2b", instance("inst_1a2b", "alpha")],
  ["inst_3c", instance("inst_3c", "")],
]);

Deno.test("conflict messages name the instance, not its id", () => {
  strictEqual(
    errorText(
      new ApiError(
        409,
        "instance_exists",
        "Cannot create an instance for /w/a as instance inst_1a2b is already running there",
      ),
      instances,
    ),
    "Cannot create an instance for /w/a as instance “alpha” is already running there",
  );
  strictEqual(
    errorText(
      new Error(
        "Cannot reach instance inst_3c as it is not running (it is stopped); start it with POST /api/instances/inst_3c/restart",
      ),
      instances,
    ),
    "Cannot reach instance “inst_3c-dir” as it is not running (it is stopped); start it with POST /api/instances/inst_3c/restart",
  );
});

Deno.test("unknown ids and other text stay as they are", () => {
  strictEqual(
    errorText("instance inst_zz is gone", instances),
    "instance inst_zz is gone",
  );
  strictEqual(errorText(new Error("Cannot send"), instances), "Cannot send");
});

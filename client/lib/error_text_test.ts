import { strictEqual } from "node:assert/strict";
import { instanceJson } from "../../server/testing/instance_fixtures.ts";
import { ApiError } from "../api/api_client.ts";
import { errorText } from "./error_text.ts";

const instances = new Map([
  [
    "inst_1a2b",
    instanceJson({
      id: "inst_1a2b",
      name: "alpha",
      working_directory: "/w/inst_1a2b-dir",
    }),
  ],
  [
    "inst_3c",
    instanceJson({
      id: "inst_3c",
      name: "",
      working_directory: "/w/inst_3c-dir",
    }),
  ],
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

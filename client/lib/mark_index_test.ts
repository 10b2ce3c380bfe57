import { deepStrictEqual } from "node:assert/strict";
import type { MarkJson } from "../../server/contract/marks.ts";
import { indexMarks } from "./mark_index.ts";

const mark = (over: Partial<MarkJson>): MarkJson => ({
  kind: "interrupted",
  session_id: "ses_1",
  message_id: "msg_1",
  part_id: "prt_1",
  tool: "bash",
  reason: "OpenCode exited unexpectedly",
  at: "2026-12-01T00:00:00.000Z",
  ...over,
});

Deno.test("indexMarks: interrupted parts by message, aborted replies apart", () => {
  const index = indexMarks([
    mark({}),
    mark({ part_id: "prt_2" }),
    mark({ message_id: "msg_2", part_id: "prt_3" }),
    mark({ kind: "aborted", message_id: "msg_3", part_id: null, tool: null }),
  ]);
  deepStrictEqual(
    [...index.interrupted].map(([id, parts]) => [id, [...parts]]),
    [["msg_1", ["prt_1", "prt_2"]], ["msg_2", ["prt_3"]]],
  );
  deepStrictEqual([...index.aborted], ["msg_3"]);
});

Deno.test("indexMarks: no marks, nothing indexed", () => {
  const index = indexMarks([]);
  deepStrictEqual(index.interrupted.size, 0);
  deepStrictEqual(index.aborted.size, 0);
});

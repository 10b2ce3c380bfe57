/**
 * The decision table: for each transition, a state, an event, and the state
 * and commands that must follow (or the rejection). Every event type appears
 * in every state where it means something, and in states where it must be
 * refused.
 */
import { assertEquals, assertMatch } from "../testing/assert.ts";
import { decide } from "./decide.ts";
import type { RunEvent } from "./decide_types.ts";
import { checkInvariants } from "./invariants.ts";
import type { RunState } from "./run_state.ts";
import {
  brief,
  live,
  nextAt,
  play,
  replies,
  reply,
  type Step,
  type Summary,
  summary,
  toRunning,
} from "./testing/run_steps.ts";
import {
  BUGFIX_YAML,
  FEATURE_YAML,
  GATED_YAML,
  newRun,
  storiesJson,
} from "./testing/specs.ts";

const DENY = "deny:edit,write,patch";
const PLAN = `STATUS: done\nREPO: /repo\nBRANCH: feat\nSTORIES_JSON: ${
  storiesJson(2)
}`;
const SETUP = "STATUS: done\nBUILD_CMD: make\nTEST_CMD: make test";
const DONE = "STATUS: done";

// Bug-fix shaped: triage → fix → verify (retry_step: fix, max 1).
const bugStarted = play(newRun(BUGFIX_YAML), { type: "start" });
const bugTriageRunning = toRunning(bugStarted);
const bugAtFix = reply(bugStarted, "STATUS: done\nROOT_CAUSE: off by one");
const bugAtVerify = reply(bugAtFix, "STATUS: done\nCHANGES: fixed it");
const bugTriageEscalated = replies(bugStarted, "nope", "nope", "nope");

// Feature shaped: plan → setup → implement (loop, verify) → verify → test → pr → review.
const featStarted = play(newRun(FEATURE_YAML), { type: "start" });
const featAtSetup = reply(featStarted, PLAN);
const featAtS1 = reply(featAtSetup, SETUP);
const featVerifyS1 = reply(featAtS1, "STATUS: done\nCHANGES: c1");
const featTest = replies(
  featVerifyS1,
  "STATUS: done\nVERIFIED: ok",
  "STATUS: done\nCHANGES: c2",
  "STATUS: done\nVERIFIED: ok",
);
const featReview = replies(
  featTest,
  "STATUS: done\nRESULTS: ok",
  "STATUS: done\nPR: https://pr/1",
);
const RETRY = "STATUS: retry\nISSUES:\n- no test";
const featS1Exhausted = replies(
  featVerifyS1,
  RETRY,
  "STATUS: done\nCHANGES: c1b",
  RETRY,
  "STATUS: done\nCHANGES: c1c",
  RETRY,
);

// Gated: write (max 1 retry, no escalation) → approval gate → check (no retries).
const gatedStarted = play(newRun(GATED_YAML), { type: "start" });
const gatedAtGate = reply(gatedStarted, "STATUS: done\nTITLE: v2");
const gatedFailed = replies(gatedStarted, "meh", "meh");

interface Row {
  name: string;
  given: RunState;
  event: Step;
  /** The rejection message (state and commands unchanged). */
  rejected?: RegExp;
  commands?: string[];
  state?: Partial<Summary>;
}

const id = (state: RunState) => live(state).id;

const ROWS: Row[] = [
  // start
  {
    name:
      "start: the first step's attempt asks for its session (no repository inputs needed)",
    given: newRun(BUGFIX_YAML),
    event: { type: "start" },
    commands: [`create run1.1 triager/analysis ${DENY}`],
    state: {
      status: "running",
      steps: "triage:pending fix:waiting verify:waiting",
      attempts: "1:triage:creating_session",
    },
  },
  {
    name: "start: a first step that is a gate blocks at once",
    given: newRun(
      `id: g\nname: G\nversion: 1\nagents: [{ id: a, role: pr }]\nsteps:\n  - { id: ok, type: gate }\n  - { id: go, agent: a, input: "Go {{task}}" }`,
    ),
    event: { type: "start" },
    commands: ['notify blocked ok: Approval needed at step "ok"'],
    state: { status: "blocked", steps: "ok:blocked go:waiting", attempts: "" },
  },
  {
    name: "start: twice is refused",
    given: bugStarted,
    event: { type: "start" },
    rejected: /as it has started/,
  },
  // inputs_gathered
  {
    name: "inputs_gathered: fills the loop template and asks for the session",
    given: featAtS1,
    event: (s) => ({
      type: "inputs_gathered",
      attemptId: id(s),
      progress: "## Patterns",
      hasFrontendChanges: false,
    }),
    commands: ["create run1.3 developer/coding"],
    state: {
      attempts: "1:plan:passed 2:setup:passed 3:implement/S-1:creating_session",
    },
  },
  {
    name: "inputs_gathered: refused once the attempt is past preparing",
    given: bugStarted,
    event: (s) => ({
      type: "inputs_gathered",
      attemptId: id(s),
      progress: null,
      hasFrontendChanges: true,
    }),
    rejected:
      /Cannot apply inputs_gathered to attempt "run1.1" as it is creating_session/,
  },
  {
    name:
      "inputs_gathered: a missing template key fails the step with the key named, no session, no prompt",
    given: replies(
      featStarted,
      `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${storiesJson(1)}`,
      DONE,
    ),
    event: (s) => ({
      type: "inputs_gathered",
      attemptId: id(s),
      progress: null,
      hasFrontendChanges: false,
    }),
    commands: [
      'notify blocked implement/S-1: step "implement": template key missing: test_cmd',
    ],
    state: {
      status: "blocked",
      steps:
        "plan:done setup:done implement:failed verify:waiting test:waiting pr:waiting review:waiting",
      stories: "S-1:failed/0",
      attempts: "1:plan:passed 2:setup:passed 3:implement/S-1:missing_keys",
    },
  },
  // session_created
  {
    name:
      "session_created: sends the prompt with the agent's files as system text",
    given: bugStarted,
    event: (s) => ({
      type: "session_created",
      attemptId: id(s),
      sessionId: "ses_a",
    }),
    commands: ["prompt run1.1 ses_a"],
    state: {
      attempts: "1:triage:prompting",
      steps: "triage:pending fix:waiting verify:waiting",
    },
  },
  {
    name: "session_created: an unknown attempt is refused",
    given: bugStarted,
    event: { type: "session_created", attemptId: "run1.9", sessionId: "ses_x" },
    rejected: /There is no attempt "run1.9"/,
  },
  {
    name: "session_created: an ended attempt is refused (never repeated)",
    given: bugAtFix,
    event: { type: "session_created", attemptId: "run1.1", sessionId: "ses_x" },
    rejected: /Attempt "run1.1" has already ended \(passed\)/,
  },
  // prompt_sent
  {
    name:
      "prompt_sent: the step runs and its role timeout is armed (coding agent with timeoutSeconds: 60)",
    given: play(
      bugAtFix,
      (s) => ({
        type: "session_created",
        attemptId: id(s),
        sessionId: "ses_f",
      }),
    ),
    event: (s) => ({ type: "prompt_sent", attemptId: id(s) }),
    commands: ["timer run1.2 +1m"],
    state: {
      steps: "triage:done fix:running verify:waiting",
      attempts: "1:triage:passed 2:fix:running",
    },
  },
  {
    name: "prompt_sent: analysis role gets 20 minutes",
    given: play(
      bugStarted,
      (s) => ({
        type: "session_created",
        attemptId: id(s),
        sessionId: "ses_t",
      }),
    ),
    event: (s) => ({ type: "prompt_sent", attemptId: id(s) }),
    commands: ["timer run1.1 +20m"],
  },
  {
    name: "prompt_sent: refused before the session exists",
    given: bugStarted,
    event: (s) => ({ type: "prompt_sent", attemptId: id(s) }),
    rejected: /as it is creating_session/,
  },
  // attempt_finished
  {
    name:
      "attempt_finished: a passed reply merges its keys and starts the next step",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done\nROOT_CAUSE: x",
      tokens: 120,
      cost: 0.25,
    }),
    commands: ["untimer run1.1", "create run1.2 fixer/coding"],
    state: {
      steps: "triage:done fix:pending verify:waiting",
      attempts: "1:triage:passed 2:fix:creating_session",
    },
  },
  {
    name: "attempt_finished: STORIES_JSON from the planner creates the stories",
    given: toRunning(featStarted),
    event: (s) => ({ type: "attempt_finished", attemptId: id(s), reply: PLAN }),
    commands: ["untimer run1.1", "create run1.2 setup/coding"],
    state: { stories: "S-1:pending/0 S-2:pending/0" },
  },
  {
    name:
      "attempt_finished: invalid STORIES_JSON fails the attempt, which is retried",
    given: toRunning(featStarted),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: 'STATUS: done\nSTORIES_JSON: [{"id": 1}]',
    }),
    commands: ["untimer run1.1", `create run1.2 planner/analysis ${DENY}`],
    state: {
      steps:
        "plan:pending/r1 setup:waiting implement:waiting verify:waiting test:waiting pr:waiting review:waiting",
      stories: "",
    },
  },
  {
    name: "attempt_finished: the last failure without escalation fails the run",
    given: toRunning(reply(gatedStarted, "meh")),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: blocked",
    }),
    commands: [
      "untimer run1.2",
      'notify failed write: "write" failed 2 times; the last attempt: expected "STATUS: done", got "STATUS: blocked"',
    ],
    state: {
      status: "failed",
      steps: "write:failed/r2 approval:waiting check:waiting",
    },
  },
  {
    name:
      "attempt_finished: the last failure with escalate_to: human blocks the run",
    given: toRunning(replies(bugStarted, "nope", "nope")),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done?",
    }),
    commands: [
      "untimer run1.3",
      'notify blocked triage: "triage" failed 3 times; the last attempt: expected "STATUS: done", got "STATUS: done?"',
    ],
    state: {
      status: "blocked",
      steps: "triage:failed/r3 fix:waiting verify:waiting",
    },
  },
  {
    name:
      "attempt_finished: the verifier's STATUS: retry sends the story back with its ISSUES",
    given: toRunning(featVerifyS1),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: RETRY,
    }),
    commands: ["untimer run1.4", "gather run1.5 progress"],
    state: {
      stories: "S-1:running/1 S-2:pending/0",
      steps:
        "plan:done setup:done implement:running verify:waiting test:waiting pr:waiting review:waiting",
      feedback: "verify: - no test",
      attempts:
        "1:plan:passed 2:setup:passed 3:implement/S-1:passed 4:verify/S-1:retry 5:implement/S-1:preparing",
    },
  },
  {
    name:
      "attempt_finished: retry from a single step reruns the steps from its retry_step",
    given: toRunning(bugAtVerify),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: retry\nISSUES: still broken",
    }),
    commands: ["untimer run1.3", "create run1.4 fixer/coding"],
    state: {
      steps: "triage:done fix:pending verify:waiting/w1",
      feedback: "verify: still broken",
      attempts:
        "1:triage:passed 2:fix:passed 3:verify:retry 4:fix:creating_session",
    },
  },
  {
    name: "attempt_finished: retries beyond on_fail.max_retries escalate",
    given: toRunning(
      replies(
        bugAtVerify,
        "STATUS: retry\nISSUES: a",
        "STATUS: done\nCHANGES: again",
      ),
    ),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: retry\nISSUES: b",
    }),
    commands: [
      "untimer run1.5",
      'notify blocked verify: "verify" asked for changes 2 times; the limit is 1: b',
    ],
    state: {
      status: "blocked",
      steps: "triage:done fix:done verify:failed/w2",
    },
  },
  {
    name:
      "attempt_finished: STATUS: retry from a step with no retry path is a failed attempt",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: retry\nISSUES: unsure",
    }),
    commands: ["untimer run1.1", `create run1.2 triager/analysis ${DENY}`],
    state: {
      steps: "triage:pending/r1 fix:waiting verify:waiting",
      attempts: "1:triage:failed 2:triage:creating_session",
    },
  },
  {
    name: "attempt_finished: a loop story that passes goes to its verifier",
    given: toRunning(featAtS1),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done\nCHANGES: c",
    }),
    commands: ["untimer run1.3", "gather run1.4 has_frontend_changes"],
    state: {
      stories: "S-1:verifying/0 S-2:pending/0",
      steps:
        "plan:done setup:done implement:running verify:pending test:waiting pr:waiting review:waiting",
    },
  },
  {
    name:
      "attempt_finished: the last story verified finishes the loop and its verifier",
    given: toRunning(
      replies(featVerifyS1, "STATUS: done", "STATUS: done\nCHANGES: c2"),
    ),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done\nVERIFIED: yes",
    }),
    commands: [
      "untimer run1.6",
      "create run1.7 tester/testing deny:edit,write,patch",
    ],
    state: {
      stories: "S-1:done/0 S-2:done/0",
      steps:
        "plan:done setup:done implement:done verify:done test:pending pr:waiting review:waiting",
    },
  },
  {
    name:
      "attempt_finished: a later step's retry into the loop adds a rework story",
    given: toRunning(featTest),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: retry\nFAILURES:\n- login breaks",
    }),
    commands: ["untimer run1.7", "gather run1.8 progress"],
    state: {
      steps:
        "plan:done setup:done implement:running verify:waiting test:waiting/w1 pr:waiting review:waiting",
      stories: "S-1:done/0 S-2:done/0 test-rework-1:running/0",
      feedback: "test: - login breaks",
    },
  },
  {
    name:
      "attempt_finished: a loop with no stories planned gives up on the loop",
    given: toRunning(reply(featStarted, "STATUS: done\nREPO: /r\nBRANCH: b")),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: SETUP,
    }),
    commands: [
      "untimer run1.2",
      'notify blocked implement: "implement" loops over stories, but no earlier step replied with STORIES_JSON',
    ],
    state: {
      status: "blocked",
      steps:
        "plan:done setup:done implement:failed verify:waiting test:waiting pr:waiting review:waiting",
    },
  },
  {
    name: "attempt_finished: STORIES_JSON after the loop adds no stories",
    given: toRunning(featTest),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: `STATUS: done\nRESULTS: ok\nSTORIES_JSON: ${storiesJson(3)}`,
    }),
    commands: ["untimer run1.7", "create run1.8 developer/coding"],
    state: { stories: "S-1:done/0 S-2:done/0" },
  },
  {
    name:
      "attempt_finished: an empty STORIES_JSON makes an empty loop, which is done",
    given: toRunning(
      reply(featStarted, "STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: []"),
    ),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: SETUP,
    }),
    commands: [
      "untimer run1.2",
      "create run1.3 tester/testing deny:edit,write,patch",
    ],
    state: {
      steps:
        "plan:done setup:done implement:done verify:done test:pending pr:waiting review:waiting",
    },
  },
  {
    name: "attempt_finished: the last step completes the run",
    given: toRunning(featReview),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done\nDECISION: approved",
    }),
    commands: [
      "untimer run1.9",
      "notify completed -: Run #1 of feature-mini completed",
    ],
    state: {
      status: "completed",
      steps:
        "plan:done setup:done implement:done verify:done test:done pr:done review:done",
    },
  },
  {
    name: "attempt_finished: refused before the session exists",
    given: featAtS1,
    event: (s) => ({ type: "attempt_finished", attemptId: id(s), reply: DONE }),
    rejected: /as it is preparing/,
  },
  {
    name: "attempt_finished: while waiting for input, unblocks and judges",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "bash: rm -rf",
      }),
    ),
    event: (s) => ({
      type: "attempt_finished",
      attemptId: id(s),
      reply: "STATUS: done\nROOT_CAUSE: y",
    }),
    commands: ["create run1.2 fixer/coding"],
    state: {
      status: "running",
      blocked: null,
      steps: "triage:done fix:pending verify:waiting",
    },
  },
  // attempt_errored
  {
    name: "attempt_errored: a session error is a failed attempt, retried",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "ProviderError",
    }),
    commands: ["untimer run1.1", `create run1.2 triager/analysis ${DENY}`],
    state: {
      steps: "triage:pending/r1 fix:waiting verify:waiting",
      attempts: "1:triage:errored 2:triage:creating_session",
    },
  },
  {
    name:
      "attempt_errored: a session that could not be created counts the same",
    given: bugStarted,
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "Cannot create session",
    }),
    commands: [`create run1.2 triager/analysis ${DENY}`],
    state: { attempts: "1:triage:errored 2:triage:creating_session" },
  },
  {
    name: "attempt_errored: on a verifier, the story is verified again",
    given: toRunning(featVerifyS1),
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "boom",
    }),
    commands: ["untimer run1.4", "gather run1.5 has_frontend_changes"],
    state: { stories: "S-1:verifying/1 S-2:pending/0" },
  },
  {
    name:
      "attempt_errored with giveUp: the step is escalated at once, no retry spent",
    given: bugStarted,
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "the run's worktree /wt is gone",
      giveUp: true,
    }),
    commands: [
      `notify blocked triage: "triage" cannot run: the run's worktree /wt is gone`,
    ],
    state: {
      status: "blocked",
      steps: "triage:failed fix:waiting verify:waiting",
      attempts: "1:triage:errored",
    },
  },
  {
    name: "attempt_errored with giveUp: on a story, the story is escalated",
    given: featAtS1,
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "gone",
      giveUp: true,
    }),
    commands: [
      `notify blocked implement/S-1: "implement" (story "S-1") cannot run: gone`,
    ],
    state: { status: "blocked", stories: "S-1:failed/0 S-2:pending/0" },
  },
  {
    name: "attempt_errored with giveUp: without escalation the run fails",
    given: gatedStarted,
    event: (s) => ({
      type: "attempt_errored",
      attemptId: id(s),
      message: "gone",
      giveUp: true,
    }),
    commands: [`notify failed write: "write" cannot run: gone`],
    state: {
      status: "failed",
      steps: "write:failed approval:waiting check:waiting",
    },
  },
  // attempt_timed_out
  {
    name: "attempt_timed_out: at the deadline, aborts the session and retries",
    given: bugTriageRunning,
    event: (s) => ({ type: "attempt_timed_out", attemptId: id(s) }),
    rejected: /is not due to time out yet/,
  },
  {
    name: "attempt_timed_out: refused before the prompt was sent",
    given: bugStarted,
    event: (s) => ({ type: "attempt_timed_out", attemptId: id(s) }),
    rejected: /as it is creating_session/,
  },
  // attempt_input_requested / answered
  {
    name:
      "attempt_input_requested: pauses the timeout and blocks the run on a person",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_input_requested",
      attemptId: id(s),
      request: "bash: make",
    }),
    commands: [
      "untimer run1.1",
      'notify blocked triage: Step "triage" waits for an answer: bash: make',
    ],
    state: {
      status: "blocked",
      steps: "triage:blocked fix:waiting verify:waiting",
      attempts: "1:triage:waiting_input",
    },
  },
  {
    name: "attempt_input_requested: refused unless running",
    given: bugStarted,
    event: (s) => ({
      type: "attempt_input_requested",
      attemptId: id(s),
      request: "x",
    }),
    rejected: /as it is creating_session/,
  },
  {
    name:
      "attempt_input_answered: the attempt runs on with the time it had left",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "x",
      }),
    ),
    event: (s) => ({ type: "attempt_input_answered", attemptId: id(s) }),
    commands: ["timer run1.1 +19.983333333333334m"],
    state: {
      status: "running",
      blocked: null,
      steps: "triage:running fix:waiting verify:waiting",
    },
  },
  {
    name: "attempt_input_answered: refused when nothing waits",
    given: bugTriageRunning,
    event: (s) => ({ type: "attempt_input_answered", attemptId: id(s) }),
    rejected: /as it is running/,
  },
  // recovered
  {
    name: "recovered: a live attempt is looked at",
    given: bugTriageRunning,
    event: { type: "recovered" },
    commands: ["reconcile run1.1 running ses_1"],
  },
  {
    name:
      "recovered: an attempt with no session yet is looked at too (by its title)",
    given: bugStarted,
    event: { type: "recovered" },
    commands: ["reconcile run1.1 creating_session -"],
  },
  {
    name: "recovered: a run waiting for input is looked at",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "x",
      }),
    ),
    event: { type: "recovered" },
    commands: ["reconcile run1.1 waiting_input ses_1"],
  },
  {
    name: "recovered: a gate, a failed or a cancelled run issue nothing",
    given: gatedAtGate,
    event: { type: "recovered" },
    commands: [],
  },
  {
    name: "recovered: a failed run issues nothing",
    given: gatedFailed,
    event: { type: "recovered" },
    commands: [],
    state: { status: "failed" },
  },
  // attempt_reconciled
  {
    name: "attempt_reconciled: no session while creating one → create it again",
    given: bugStarted,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "no_session" },
    }),
    commands: [`create run1.1 triager/analysis ${DENY}`],
    state: { attempts: "1:triage:creating_session" },
  },
  {
    name: "attempt_reconciled: no session while preparing → gather again",
    given: featAtS1,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "no_session" },
    }),
    commands: ["gather run1.3 progress"],
  },
  {
    name:
      "attempt_reconciled: the session vanished while running → a failed attempt",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "no_session" },
    }),
    commands: ["untimer run1.1", `create run1.2 triager/analysis ${DENY}`],
    state: { attempts: "1:triage:errored 2:triage:creating_session" },
  },
  {
    name: "attempt_reconciled: a session found without its prompt → send it",
    given: bugStarted,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "not_prompted", sessionId: "ses_z" },
    }),
    commands: ["prompt run1.1 ses_z"],
    state: { attempts: "1:triage:prompting" },
  },
  {
    name:
      "attempt_reconciled: not_prompted is refused while preparing (nothing to send yet)",
    given: featAtS1,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "not_prompted", sessionId: "ses_z" },
    }),
    rejected: /has no session to prompt yet/,
  },
  {
    name: "attempt_reconciled: busy after the prompt → running, timeout armed",
    given: play(
      bugStarted,
      (s) => ({
        type: "session_created",
        attemptId: id(s),
        sessionId: "ses_q",
      }),
    ),
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "busy", sessionId: "ses_q" },
    }),
    commands: ["timer run1.1 +20m"],
    state: {
      attempts: "1:triage:running",
      steps: "triage:running fix:waiting verify:waiting",
    },
  },
  {
    name: "attempt_reconciled: still busy → the same deadline is re-armed",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "busy", sessionId: "ses_1" },
    }),
    commands: ["timer run1.1 +19.983333333333334m"],
  },
  {
    name:
      "attempt_reconciled: idle with a reply → judged as if it had just finished",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: {
        kind: "idle",
        sessionId: "ses_1",
        reply: "STATUS: done\nROOT_CAUSE: z",
        cost: 0.5,
      },
    }),
    commands: ["untimer run1.1", "create run1.2 fixer/coding"],
    state: { attempts: "1:triage:passed 2:fix:creating_session" },
  },
  {
    name: "attempt_reconciled: waiting for a person → blocked on input",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "waiting_input", sessionId: "ses_1", request: "q?" },
    }),
    commands: [
      "timer run1.1 +19.983333333333334m",
      "untimer run1.1",
      'notify blocked triage: Step "triage" waits for an answer: q?',
    ],
    state: { status: "blocked" },
  },
  {
    name: "attempt_reconciled: busy again after waiting for input → runs on",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "x",
      }),
    ),
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "busy", sessionId: "ses_1" },
    }),
    // the time spent waiting for the person does not count
    commands: ["timer run1.1 +19.983333333333334m"],
    state: { status: "running" },
  },
  {
    name: "attempt_reconciled: the session errored → a failed attempt",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: {
        kind: "errored",
        sessionId: "ses_1",
        message: "MessageAbortedError",
      },
    }),
    commands: ["untimer run1.1", `create run1.2 triager/analysis ${DENY}`],
    state: { attempts: "1:triage:errored 2:triage:creating_session" },
  },
  {
    name:
      "attempt_reconciled: interrupted (its OpenCode stopped mid-reply) → done again, no retry spent",
    given: bugTriageRunning,
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: {
        kind: "interrupted",
        sessionId: "ses_1",
        message: "its reply was cut off",
      },
    }),
    commands: ["untimer run1.1", `create run1.2 triager/analysis ${DENY}`],
    state: {
      attempts: "1:triage:interrupted 2:triage:creating_session",
      steps: "triage:pending fix:waiting verify:waiting",
    },
  },
  {
    name:
      "attempt_reconciled: interrupted while a story was verified → the story is verified again",
    given: toRunning(featVerifyS1),
    event: (s) => ({
      type: "attempt_reconciled",
      attemptId: id(s),
      observed: { kind: "interrupted", sessionId: "ses_1", message: "cut" },
    }),
    commands: ["untimer run1.4", "gather run1.5 has_frontend_changes"],
    state: {
      attempts:
        "1:plan:passed 2:setup:passed 3:implement/S-1:passed 4:verify/S-1:interrupted 5:verify/S-1:preparing",
    },
  },
  // stop
  {
    name: "stop: aborts the live session and cancels the run",
    given: bugTriageRunning,
    event: { type: "stop" },
    commands: ["untimer run1.1", "abort run1.1 ses_1"],
    state: {
      status: "cancelled",
      steps: "triage:pending fix:waiting verify:waiting",
      attempts: "1:triage:aborted",
    },
  },
  {
    name: "stop: before the session exists there is nothing to abort",
    given: bugStarted,
    event: { type: "stop" },
    commands: [],
    state: { status: "cancelled", attempts: "1:triage:aborted" },
  },
  {
    name: "stop: a blocked run is cancelled",
    given: gatedAtGate,
    event: { type: "stop" },
    commands: [],
    state: {
      status: "cancelled",
      blocked: null,
      steps: "write:done approval:pending check:waiting",
    },
  },
  {
    name: "stop: a story in progress goes back to pending",
    given: toRunning(featAtS1),
    event: { type: "stop" },
    commands: ["untimer run1.3", "abort run1.3 ses_3"],
    state: {
      stories: "S-1:pending/0 S-2:pending/0",
      steps:
        "plan:done setup:done implement:pending verify:waiting test:waiting pr:waiting review:waiting",
    },
  },
  {
    name: "stop: refused on a finished run",
    given: gatedFailed,
    event: { type: "stop" },
    rejected: /Cannot stop run #1 as it is failed/,
  },
  // resume
  {
    name: "resume: a cancelled run starts the interrupted step afresh",
    given: play(bugTriageRunning, { type: "stop" }),
    event: { type: "resume" },
    commands: [`create run1.2 triager/analysis ${DENY}`],
    state: {
      status: "running",
      steps: "triage:pending fix:waiting verify:waiting",
    },
  },
  {
    name: "resume: a failed run retries the failed step with a fresh budget",
    given: gatedFailed,
    event: { type: "resume" },
    commands: ["create run1.3 writer/coding"],
    state: {
      status: "running",
      failure: null,
      steps: "write:pending approval:waiting check:waiting",
    },
  },
  {
    name: "resume: refused on a blocked run (approve, retry or skip instead)",
    given: gatedAtGate,
    event: { type: "resume" },
    rejected: /blocked at step "approval": approve, retry or skip it/,
  },
  {
    name: "resume: refused on a running run",
    given: bugStarted,
    event: { type: "resume" },
    rejected: /Cannot resume run #1 as it is running/,
  },
  // retry_step
  {
    name: "retry_step: an escalated step runs again with a fresh budget",
    given: bugTriageEscalated,
    event: { type: "retry_step", step: "triage" },
    commands: [`create run1.4 triager/analysis ${DENY}`],
    state: {
      status: "running",
      blocked: null,
      steps: "triage:pending fix:waiting verify:waiting",
    },
  },
  {
    name: "retry_step: an escalated story goes back to its loop",
    given: featS1Exhausted,
    event: { type: "retry_step", step: "implement" },
    commands: ["gather run1.9 progress"],
    state: { status: "running", stories: "S-1:running/0 S-2:pending/0" },
  },
  {
    name: "retry_step: a live step is aborted and started again",
    given: bugTriageRunning,
    event: { type: "retry_step", step: "triage" },
    commands: [
      "untimer run1.1",
      "abort run1.1 ses_1",
      `create run1.2 triager/analysis ${DENY}`,
    ],
    state: {
      attempts: "1:triage:aborted 2:triage:creating_session",
      steps: "triage:pending fix:waiting verify:waiting",
    },
  },
  {
    name: "retry_step: a step blocked on input is aborted and started again",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "x",
      }),
    ),
    event: { type: "retry_step", step: "triage" },
    commands: ["abort run1.1 ses_1", `create run1.2 triager/analysis ${DENY}`],
    state: { status: "running", blocked: null },
  },
  {
    name: "retry_step: a failed run's step runs again",
    given: gatedFailed,
    event: { type: "retry_step", step: "write" },
    commands: ["create run1.3 writer/coding"],
    state: { status: "running", failure: null },
  },
  {
    name: "retry_step: refused on a gate",
    given: gatedAtGate,
    event: { type: "retry_step", step: "approval" },
    rejected: /as it is a gate: approve or skip it/,
  },
  {
    name: "retry_step: refused on a step that is not current",
    given: bugTriageRunning,
    event: { type: "retry_step", step: "verify" },
    rejected:
      /Cannot retry step "verify" as it is waiting and run #1 is running/,
  },
  {
    name: "retry_step: refused on an unknown step",
    given: bugTriageRunning,
    event: { type: "retry_step", step: "deploy" },
    rejected: /There is no step "deploy"/,
  },
  // skip_step
  {
    name: "skip_step: a gate is skipped and the run goes on",
    given: gatedAtGate,
    event: { type: "skip_step", step: "approval" },
    commands: [`create run1.2 checker/analysis ${DENY}`],
    state: {
      status: "running",
      steps: "write:done approval:skipped check:pending",
    },
  },
  {
    name:
      "skip_step: an escalated step is skipped; a later step that needs its outputs fails, naming the key",
    given: bugTriageEscalated,
    event: { type: "skip_step", step: "triage" },
    commands: [
      'notify blocked fix: step "fix": template key missing: root_cause',
    ],
    state: {
      status: "blocked",
      steps: "triage:skipped/r3 fix:failed verify:waiting",
    },
  },
  {
    name: "skip_step: an escalated story is skipped and the loop goes on",
    given: featS1Exhausted,
    event: { type: "skip_step", step: "implement" },
    commands: ["gather run1.9 progress"],
    state: {
      status: "running",
      stories: "S-1:skipped/3 S-2:running/0",
      feedback: null,
    },
  },
  {
    name: "skip_step: a live step is aborted and skipped",
    given: toRunning(bugAtVerify),
    event: { type: "skip_step", step: "verify" },
    commands: [
      "untimer run1.3",
      "abort run1.3 ses_3",
      "notify completed -: Run #1 of bugfix-mini completed",
    ],
    state: {
      status: "completed",
      steps: "triage:done fix:done verify:skipped",
    },
  },
  {
    name: "skip_step: refused on a done step",
    given: bugAtFix,
    event: { type: "skip_step", step: "triage" },
    rejected: /Cannot skip step "triage" as it is done/,
  },
  // approve
  {
    name: "approve: a gate lets the run go on",
    given: gatedAtGate,
    event: { type: "approve", step: "approval" },
    commands: [`create run1.2 checker/analysis ${DENY}`],
    state: {
      status: "running",
      steps: "write:done approval:done check:pending",
    },
  },
  {
    name: "approve: an escalated story is accepted as done",
    given: featS1Exhausted,
    event: { type: "approve", step: "implement" },
    commands: ["gather run1.9 progress"],
    state: { stories: "S-1:done/3 S-2:running/0", feedback: null },
  },
  {
    name: "approve: an escalated step is accepted as done",
    given: replies(
      bugAtVerify,
      "STATUS: retry\nISSUES: a",
      "STATUS: done\nCHANGES: b",
      "STATUS: retry\nISSUES: c",
    ),
    event: { type: "approve", step: "verify" },
    commands: ["notify completed -: Run #1 of bugfix-mini completed"],
    state: { status: "completed", feedback: null },
  },
  {
    name: "approve: a failed run's step is accepted and the run goes on",
    given: gatedFailed,
    event: { type: "approve", step: "write" },
    commands: [
      'notify blocked approval: Approval needed at step "approval" (its text could not be filled as a key is missing: title)',
    ],
    state: {
      status: "blocked",
      failure: null,
      steps: "write:done/r2 approval:blocked check:waiting",
    },
  },
  {
    name: "resume: a failed story gets a fresh budget",
    given: replies(
      play(
        newRun(
          FEATURE_YAML.replace(
            "on_exhausted: { escalate_to: human }",
            "# no escalation",
          ),
        ),
        { type: "start" },
      ),
      PLAN,
      SETUP,
      "STATUS: done\nCHANGES: a",
      RETRY,
      "STATUS: done\nCHANGES: b",
      RETRY,
      "STATUS: done\nCHANGES: c",
      RETRY,
    ),
    event: { type: "resume" },
    commands: ["gather run1.9 progress"],
    state: {
      status: "running",
      stories: "S-1:running/0 S-2:pending/0",
      steps:
        "plan:done setup:done implement:running verify:waiting test:waiting pr:waiting review:waiting",
    },
  },
  {
    name: "approve: refused on a running step",
    given: bugTriageRunning,
    event: { type: "approve", step: "triage" },
    rejected: /Cannot approve step "triage" as it does not wait for approval/,
  },
  {
    name: "approve: refused on a step waiting for input",
    given: play(
      bugTriageRunning,
      (s) => ({
        type: "attempt_input_requested",
        attemptId: id(s),
        request: "x",
      }),
    ),
    event: { type: "approve", step: "triage" },
    rejected: /does not wait for approval/,
  },
];

for (const row of ROWS) {
  Deno.test(`decide: ${row.name}`, () => {
    const partial = typeof row.event === "function"
      ? row.event(row.given)
      : row.event;
    const at = nextAt(row.given);
    const event = { ...partial, at } as RunEvent;
    const before = structuredClone(row.given);
    const decision = decide(row.given, event);
    assertEquals(row.given, before, "decide must not mutate its input");
    if (row.rejected) {
      assertMatch(decision.rejected ?? "(accepted)", row.rejected);
      assertEquals(decision.state, row.given);
      assertEquals(decision.commands, []);
      return;
    }
    assertEquals(decision.rejected, null);
    assertEquals(checkInvariants(decision.state), []);
    assertEquals(decision.state.updatedAt, at);
    if (row.commands) assertEquals(brief(decision.commands, at), row.commands);
    if (row.state) {
      const got = summary(decision.state);
      const picked = Object.fromEntries(
        Object.keys(row.state).map((key) => [key, got[key as keyof Summary]]),
      );
      assertEquals(picked, row.state);
    }
  });
}

Deno.test("decide: a timeout at its deadline aborts the session and retries", () => {
  const state = bugTriageRunning;
  const attempt = live(state);
  const decision = decide(state, {
    type: "attempt_timed_out",
    at: attempt.deadline!,
    attemptId: attempt.id,
  });
  assertEquals(brief(decision.commands, attempt.deadline!), [
    "untimer run1.1",
    "abort run1.1 ses_1",
    `create run1.2 triager/analysis ${DENY}`,
  ]);
  assertEquals(
    summary(decision.state).attempts,
    "1:triage:timed_out 2:triage:creating_session",
  );
  assertEquals(
    decision.state.attempts[0]!.detail,
    "timed out after 20 minutes",
  );
});

Deno.test("decide: prompts carry the agent's system text and the filled template", () => {
  const state = play(
    bugAtFix,
    (s) => ({ type: "session_created", attemptId: id(s), sessionId: "ses_f" }),
  );
  const prompt = decide(state, { type: "recovered", at: nextAt(state) });
  assertEquals(brief(prompt.commands, 0), ["reconcile run1.2 prompting ses_f"]);
  const sent = decide(bugAtFix, {
    type: "session_created",
    at: nextAt(bugAtFix),
    attemptId: "run1.2",
    sessionId: "ses_f",
  });
  const command = sent.commands[0]!;
  assertEquals(
    command.type === "send_prompt" && [command.system, command.text],
    [
      "You are fixer.",
      "Fix off by one. Feedback: ",
    ],
  );
});

Deno.test("decide: tokens and cost are kept on the attempt", () => {
  const state = play(bugTriageRunning, (s) => ({
    type: "attempt_finished",
    attemptId: id(s),
    reply: "STATUS: done\nROOT_CAUSE: x",
    tokens: 120,
    cost: 0.25,
  }));
  assertEquals([state.attempts[0]!.tokens, state.attempts[0]!.cost], [
    120,
    0.25,
  ]);
  assertEquals(state.context, { status: "done", root_cause: "x" });
});

Deno.test("decide: an unknown event type is refused", () => {
  const event = JSON.parse('{"type":"explode","at":1}');
  const decision = decide(bugStarted, event);
  assertMatch(decision.rejected ?? "", /Unknown event/);
});

Deno.test("decide: a run never completes with work pending, even from a corrupt state", () => {
  const done = replies(
    featVerifyS1,
    "STATUS: done",
    "STATUS: done\nCHANGES: c2",
    "STATUS: done",
    "STATUS: done\nRESULTS: r",
    "STATUS: done\nPR: p",
  );
  const corrupt: RunState = structuredClone(done);
  const reviewAttempt = corrupt.attempts.at(-1)!;
  reviewAttempt.phase = "ended";
  reviewAttempt.outcome = "aborted";
  for (const step of corrupt.steps) step.status = "done";
  corrupt.stories[1]!.status = "pending";
  const decision = decide(corrupt, { type: "recovered", at: nextAt(corrupt) });
  assertEquals(decision.state.status, "failed");
  assertEquals(
    decision.state.failure?.reason,
    'Cannot complete the run as work is pending: story "S-2" is pending',
  );
});

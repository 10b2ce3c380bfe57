/**
 * Runs' attempts as compact lines (`implement/S-1:retry`) for the tests that
 * compare whole runs, in the runner's state or in the Run JSON, and the
 * attempts the Flock feature workflow makes with the fake model's roles.
 *
 * @module
 */

/** What an attempt line is made of (a `RunState` or a Run JSON attempt). */
export interface AttemptLike {
  step: string;
  story: string | null;
  outcome: string | null;
}

/** Each attempt of a run as `step[/story]:outcome`, in order. */
export function attemptLines(
  run: { attempts: readonly AttemptLike[] },
): string[] {
  return run.attempts.map((a) =>
    `${a.step}${a.story === null ? "" : `/${a.story}`}:${a.outcome}`
  );
}

/**
 * The attempts of a feature run (plan, setup, two stories with one verify
 * retry, test, pr, review) with the fake model's roles.
 */
export const FEATURE_ATTEMPTS: readonly string[] = [
  "plan:passed",
  "setup:passed",
  "implement/S-1:passed",
  "verify/S-1:retry",
  "implement/S-1:passed",
  "verify/S-1:passed",
  "implement/S-2:passed",
  "verify/S-2:passed",
  "test:passed",
  "pr:passed",
  "review:passed",
];

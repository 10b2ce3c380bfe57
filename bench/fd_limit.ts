/**
 * File descriptors for the 1,000-client runs: the bench holds a socket per
 * client, and Flock and the upstream one per connection each. Deno cannot
 * raise its own limit, so when the soft limit is too low and the hard limit
 * allows more, the bench runs itself again under `sh -c 'ulimit -n …'`
 * (children inherit the limit); when the hard limit is too low it says how
 * to raise it.
 *
 * @module
 */

/** The soft and hard `RLIMIT_NOFILE` of this process (Linux `/proc`). */
export function fileLimits(): { soft: number; hard: number } | undefined {
  try {
    const text = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
    if (!match) return undefined;
    const value = (s: string) => s === "unlimited" ? Infinity : Number(s);
    return { soft: value(match[1]!), hard: value(match[2]!) };
  } catch {
    return undefined;
  }
}

/** What {@linkcode ensureFileLimit} decided. */
export type FileLimitPlan =
  | { kind: "ok" }
  | { kind: "raise"; to: number }
  | { kind: "refuse"; message: string };

/** Whether `need` descriptors fit, can be had by raising the soft limit, or not (pure). */
export function planFileLimit(
  limits: { soft: number; hard: number } | undefined,
  need: number,
): FileLimitPlan {
  if (limits === undefined || limits.soft >= need) return { kind: "ok" };
  if (limits.hard >= need) {
    return { kind: "raise", to: Math.min(limits.hard, Math.max(need, 8192)) };
  }
  return {
    kind: "refuse",
    message:
      `Cannot run 1,000 SSE clients as the open-file limit is ${limits.hard} (hard) and the bench needs about ${need}: ` +
      `raise it (e.g. \`ulimit -Hn ${need}\` as root, or nofile in /etc/security/limits.conf), or run with --max-clients 100`,
  };
}

/**
 * Re-runs this program under a raised soft limit when needed.
 *
 * @returns the child's exit code when it re-ran, undefined when this process
 * may go on.
 * @throws {Error} when the hard limit is too low.
 */
export async function ensureFileLimit(
  need: number,
  args: string[],
): Promise<number | undefined> {
  if (Deno.env.get("FLOCK_BENCH_NOFILE_RAISED") === "1") return undefined;
  const plan = planFileLimit(fileLimits(), need);
  if (plan.kind === "ok") return undefined;
  if (plan.kind === "refuse") throw new Error(plan.message);
  const self = [Deno.execPath(), "run", "-A", Deno.mainModule, ...args];
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", `ulimit -n ${plan.to} && exec "$@"`, "sh", ...self],
    env: { FLOCK_BENCH_NOFILE_RAISED: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

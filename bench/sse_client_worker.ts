/**
 * A Web Worker that holds many low-overhead SSE connections and measures
 * when events arrive. It runs on its own thread (and the servers it reads
 * run in their own processes), so measuring never competes with the code
 * being measured for an event loop.
 *
 * This module is the worker's message loop: it answers the requests of
 * {@link ./sse_worker_protocol.ts}. The connections are raw TCP sockets
 * ({@link ./sse_connection.ts}, {@link ./raw_http.ts}); what they record,
 * and how, is {@link ./sse_recorder.ts}; the API bench's GET load is
 * {@link ./http_load.ts}.
 *
 * @module
 */
import { load } from "./http_load.ts";
import { readConnection } from "./sse_connection.ts";
import { Connection, now, Recorder } from "./sse_recorder.ts";
import type { WorkerReply, WorkerRequest } from "./sse_worker_protocol.ts";

const recorder = new Recorder();

/** The worker's global scope, as this module uses it. */
interface WorkerScope {
  postMessage(message: WorkerReply, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
}

function isWorkerScope(value: unknown): value is WorkerScope {
  return typeof value === "object" && value !== null &&
    "postMessage" in value && typeof value.postMessage === "function";
}

function workerScope(): WorkerScope {
  const scope: unknown = globalThis;
  if (!isWorkerScope(scope)) {
    throw new Error("Cannot run the SSE client worker outside a Worker");
  }
  return scope;
}

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  workerScope().postMessage(reply, transfer);
}

async function open(
  request: Extract<WorkerRequest, { op: "open" }>,
): Promise<void> {
  const group = recorder.group(request.group, request.mode);
  let failed = 0;
  let error: string | undefined;
  const waits: Promise<void>[] = [];
  for (let i = 0; i < request.count; i++) {
    const conn = new Connection(group);
    group.conns.push(conn);
    waits.push(
      new Promise<void>((resolve) => {
        readConnection(conn, request.url, request.headers, (ok, message) => {
          if (!ok) {
            failed++;
            error ??= message;
          }
          resolve();
        });
      }),
    );
  }
  await Promise.all(waits);
  post({
    op: "opened",
    group: request.group,
    failed,
    ...(error === undefined ? {} : { error }),
  });
}

async function collect(
  request: Extract<WorkerRequest, { op: "collect" }>,
): Promise<void> {
  const deadline = now() + request.timeoutMs;
  let timedOut = false;
  while (!recorder.complete(request.expect)) {
    if (now() > deadline) {
      timedOut = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const { samples, transfer } = recorder.takeSamples();
  post(
    { op: "collected", run: request.run, groups: samples, timedOut },
    transfer,
  );
}

workerScope().onmessage = (event) => {
  const request = event.data;
  const fail = (error: unknown) =>
    post({ op: "error", message: String(error) });
  switch (request.op) {
    case "open":
      open(request).catch(fail);
      break;
    case "arm":
      recorder.arm(request.run);
      post({ op: "armed", run: request.run });
      break;
    case "collect":
      collect(request).catch(fail);
      break;
    case "arrivals": {
      const arrivals = recorder.takeArrivals(request.group);
      post({ op: "arrivals", group: request.group, ...arrivals });
      break;
    }
    case "load":
      load(request).then(
        ({ latencies, elapsedMs }) =>
          post({ op: "loaded", latencies, elapsedMs }, [latencies.buffer]),
        fail,
      );
      break;
    case "close":
      recorder.close(request.group);
      post({ op: "closed", group: request.group });
      break;
  }
};

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  MAX_SEEN_SESSIONS,
  readSeen,
  SEEN_STORAGE_KEY,
  writeSeen,
} from "./seen_storage.ts";

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const NOW = "2026-12-01T12:00:00.000Z";

Deno.test("a first run starts tracking now", () => {
  deepStrictEqual(readSeen(new MemoryStorage(), NOW), {
    since: NOW,
    bySession: new Map(),
  });
});

Deno.test("what is written is read back", () => {
  const storage = new MemoryStorage();
  const seen = {
    since: "2026-12-01T09:00:00.000Z",
    bySession: new Map([["ses_1", "2026-12-01T10:00:00.000Z"]]),
  };
  writeSeen(storage, seen);
  deepStrictEqual(readSeen(storage, NOW), seen);
});

Deno.test("garbage in storage is replaced, bad entries are dropped", () => {
  const storage = new MemoryStorage();
  storage.setItem(SEEN_STORAGE_KEY, "{not json");
  strictEqual(readSeen(storage, NOW).since, NOW);
  storage.setItem(
    SEEN_STORAGE_KEY,
    JSON.stringify({
      since: 5,
      sessions: { a: "2026-12-01T10:00:00.000Z", b: 7, c: "nope" },
    }),
  );
  deepStrictEqual(readSeen(storage, NOW), {
    since: NOW,
    bySession: new Map([["a", "2026-12-01T10:00:00.000Z"]]),
  });
});

Deno.test("only the most recently seen sessions are kept", () => {
  const storage = new MemoryStorage();
  const bySession = new Map<string, string>();
  for (let i = 0; i < MAX_SEEN_SESSIONS + 5; i++) {
    bySession.set(
      `s${i}`,
      new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    );
  }
  writeSeen(storage, { since: NOW, bySession });
  const back = readSeen(storage, NOW).bySession;
  strictEqual(back.size, MAX_SEEN_SESSIONS);
  strictEqual(back.has("s0"), false);
  strictEqual(back.has(`s${MAX_SEEN_SESSIONS + 4}`), true);
});

Deno.test("a storage that throws is survived", () => {
  const broken = {
    getItem(): string | null {
      throw new Error("denied");
    },
    setItem(): void {
      throw new Error("full");
    },
  };
  strictEqual(readSeen(broken, NOW).since, NOW);
  writeSeen(broken, { since: NOW, bySession: new Map() });
});

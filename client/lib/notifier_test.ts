import { strictEqual } from "node:assert/strict";
import { readNotifyOptIn, shouldNotify, writeNotifyOptIn } from "./notifier.ts";

Deno.test("notify only when opted in, granted and hidden", () => {
  strictEqual(
    shouldNotify({ enabled: true, permission: "granted", hidden: true }),
    true,
  );
  strictEqual(
    shouldNotify({ enabled: true, permission: "granted", hidden: false }),
    false,
  );
  strictEqual(
    shouldNotify({ enabled: false, permission: "granted", hidden: true }),
    false,
  );
  strictEqual(
    shouldNotify({ enabled: true, permission: "default", hidden: true }),
    false,
  );
  strictEqual(
    shouldNotify({ enabled: true, permission: "unsupported", hidden: true }),
    false,
  );
});

Deno.test("the opt-in round-trips through storage", () => {
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
  strictEqual(readNotifyOptIn(storage), false);
  writeNotifyOptIn(storage, true);
  strictEqual(readNotifyOptIn(storage), true);
  const broken = {
    getItem: (): string | null => {
      throw new Error("denied");
    },
  };
  strictEqual(readNotifyOptIn(broken), false);
});

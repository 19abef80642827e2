import { describe, expect, it } from "vitest";
import type { ServerMessage } from "@replica-lab/protocol";
import { LabConnection, parseServerMessage, type Clock, type SocketLike } from "./labConnection.ts";
import type { ConnectionInfo } from "../store/slices/connectionSlice.ts";
import { makeLab, snapshotMessage } from "../store/fixtures.ts";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(message: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

function harness() {
  let now = 1000;
  const timers = new Map<number, { at: number; cb: () => void }>();
  let nextTimer = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (cb, ms) => (timers.set(nextTimer, { at: now + ms, cb }), nextTimer++),
    clearTimeout: (h) => void timers.delete(h),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...timers]) {
      if (t.at <= now && timers.has(id)) {
        timers.delete(id);
        t.cb();
      }
    }
  };
  const sockets: FakeSocket[] = [];
  const messages: ServerMessage[] = [];
  const statuses: Partial<ConnectionInfo>[] = [];
  const connection = new LabConnection({
    url: "ws://x/api/labs/L/stream",
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    clock,
    random: () => 1,
    backoff: { baseMs: 100, maxMs: 1000, jitter: 0.5 },
    pingEveryMs: 60_000,
  });
  return { connection, sockets, messages, statuses, advance };
}

describe("LabConnection", () => {
  it("reports open on the first snapshot and passes stream messages on", () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.open();
    h.sockets[0]!.deliver(snapshotMessage(makeLab([])));
    expect(h.statuses.at(-1)).toMatchObject({ status: "open", attempt: 0 });
    expect(h.messages.map((m) => m.type)).toEqual(["snapshot"]);
  });

  it("matches operation results to requests", async () => {
    const h = harness();
    h.connection.start();
    const socket = h.sockets[0]!;
    socket.open();
    const ok = h.connection.request({ kind: "kill", nodeId: "n1" });
    const bad = h.connection.request({ kind: "thaw", nodeId: "n9" });
    const sent = socket.sent.map((s) => JSON.parse(s) as { type: string; requestId?: string }).filter((m) => m.type === "op");
    expect(sent).toHaveLength(2);
    socket.deliver({ type: "op-result", requestId: sent[1]!.requestId!, ok: false, error: { code: "unknown-node", message: "no node n9" } });
    socket.deliver({ type: "op-result", requestId: sent[0]!.requestId!, ok: true, result: { id: "n1" } });
    await expect(ok).resolves.toEqual({ id: "n1" });
    await expect(bad).rejects.toMatchObject({ code: "unknown-node", message: "no node n9" });
  });

  it("refuses operations while disconnected", async () => {
    const h = harness();
    await expect(h.connection.request({ kind: "kill", nodeId: "n1" })).rejects.toMatchObject({ code: "disconnected" });
  });

  it("reconnects with growing delays and fails pending operations on a drop", async () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.open();
    const pending = h.connection.request({ kind: "kill", nodeId: "n1" });
    h.sockets[0]!.drop();
    await expect(pending).rejects.toMatchObject({ code: "disconnected" });
    expect(h.statuses.at(-1)).toMatchObject({ status: "reconnecting", attempt: 1, retryAt: 1100 });
    h.advance(99);
    expect(h.sockets).toHaveLength(1);
    h.advance(1);
    expect(h.sockets).toHaveLength(2);
    h.sockets[1]!.drop();
    expect(h.statuses.at(-1)).toMatchObject({ attempt: 2 });
    h.advance(200);
    expect(h.sockets).toHaveLength(3);
    h.sockets[2]!.open();
    h.sockets[2]!.deliver(snapshotMessage(makeLab([])));
    expect(h.statuses.at(-1)).toMatchObject({ status: "open", attempt: 0 });
  });

  it("stops for good when the lab is deleted", () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.open();
    h.sockets[0]!.deliver({ type: "lab-deleted" });
    expect(h.statuses.at(-1)).toMatchObject({ status: "closed" });
    h.advance(10_000);
    expect(h.sockets).toHaveLength(1);
  });

  it("reports unreadable frames as errors instead of throwing", () => {
    const h = harness();
    h.connection.start();
    h.sockets[0]!.onmessage?.({ data: "not json" });
    expect(h.messages[0]).toMatchObject({ type: "error", error: { code: "bad-message" } });
    expect(parseServerMessage('{"type":"nope"}')).toBeNull();
  });
});

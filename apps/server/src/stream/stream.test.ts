/**
 * The stream with a real WebSocket client on an OS-assigned port: snapshot first, coalesced updates
 * under load, operations with the same validation as REST, and the bad-message policy.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { STREAM_CLOSE_CODES, type LabView, type ServerMessage } from "@replica-lab/protocol";
import { MAX_BAD_MESSAGES_IN_A_ROW } from "./stream-client.ts";
import { createLab, sleep, startApp, waitFor } from "../testing/helpers.ts";
import { applyMessage, type HeldLab } from "../testing/apply-message.ts";

let app: FastifyInstance;
let wsUrl: string;

beforeAll(async () => {
  ({ app, wsUrl } = await startApp({ limits: { maxMessageBytes: 4096 } }, true));
});
afterAll(async () => {
  await app.close();
});

/** A test client that records every message. */
class Client {
  readonly messages: ServerMessage[] = [];
  bytes = 0;
  closeCode: number | null = null;
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.socket.on("message", (data: Buffer) => {
      this.bytes += data.length;
      this.messages.push(JSON.parse(data.toString("utf8")) as ServerMessage);
    });
    this.socket.on("close", (code) => {
      this.closeCode = code;
    });
  }

  of<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  send(value: unknown): void {
    this.socket.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  async next<T extends ServerMessage["type"]>(type: T, after = 0): Promise<Extract<ServerMessage, { type: T }>> {
    let found: Extract<ServerMessage, { type: T }> | undefined;
    await waitFor(() => (found = this.messages.slice(after).find((m): m is Extract<ServerMessage, { type: T }> => m.type === type)) !== undefined, 10_000, type);
    return found!;
  }

  close(): void {
    this.socket.close();
  }
}

describe("the stream", () => {
  let lab: LabView;

  beforeAll(async () => {
    lab = await createLab(app, { template: "one-master-two-replicas" });
  });

  it("sends a full snapshot first", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    const first = await client.next("snapshot");
    expect(client.messages[0]).toBe(first);
    expect(first.protocol).toBe(1);
    expect(first.lab.id).toBe(lab.id);
    expect(first.lab.nodes.map((n) => n.name)).toEqual(["A", "B", "C"]);
    expect(first.events.length).toBeGreaterThan(0);
    client.close();
  });

  it("refuses an unknown lab before the upgrade", async () => {
    const socket = new WebSocket(`${wsUrl}/api/labs/nope/stream`);
    const status = await new Promise<number>((resolve) => socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  it("coalesces a burst of 10,000 writes per second into at most ~20 updates per second", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    const master = lab.nodes[0]!;
    await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${master.id}/write-load`, payload: { opsPerSec: 10_000 } });
    const start = client.messages.length;
    const bytesBefore = client.bytes;
    await sleep(2000);
    await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${master.id}/write-load`, payload: { opsPerSec: 0 } });
    const burst = client.messages.slice(start);
    const updates = burst.filter((m) => m.type === "update");
    // 2 s at 20 frames per second, with some slack for timer drift.
    expect(updates.length).toBeGreaterThan(10);
    expect(updates.length).toBeLessThanOrEqual(44);
    expect(burst.length).toBeLessThanOrEqual(88);
    // The master's offset moved in patches, not in whole snapshots.
    const patches = updates.flatMap((m) => (m.type === "update" ? m.nodePatches : []));
    expect(patches.some((p) => p.id === master.id && "masterReplOffset" in p.changes)).toBe(true);
    expect((client.bytes - bytesBefore) / 2).toBeLessThan(50 * 1024);
    client.close();
  });

  it("keeps a client's copy equal to the lab when it applies every message", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: { name: "D", resp: false } });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/C/kill` });
    await app.inject({ method: "PATCH", url: `/api/labs/${lab.id}/links/A/B`, payload: { latencyMs: 20 } });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/clock`, payload: { action: "pause" } });
    await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}/nodes/D` });
    await sleep(300);
    let held: HeldLab | null = null;
    for (const message of client.messages) held = applyMessage(held, message);
    const truth = (await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).json<LabView>();
    expect(held?.nodes.map((n) => n.name)).toEqual(["A", "B", "C"]);
    expect(held?.nodes).toEqual(truth.nodes);
    expect(held?.links).toEqual(truth.links);
    expect(held?.clock.paused).toBe(true);
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/clock`, payload: { action: "resume" } });
    client.close();
  });

  it("runs operations with the same validation as REST", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    client.send({ type: "op", requestId: "1", op: { kind: "command", nodeId: "A", argv: ["SET", "via", "socket"] } });
    client.send({ type: "op", requestId: "2", op: { kind: "command", nodeId: "A", argv: ["GET", "via"] } });
    client.send({ type: "op", requestId: "3", op: { kind: "command", nodeId: "nobody", argv: ["PING"] } });
    client.send({ type: "op", requestId: "4", op: { kind: "command", nodeId: "A", argv: [] } });
    client.send({ type: "op", requestId: "5", op: { kind: "clock", action: "warp" } });
    client.send({ type: "ping", sentAt: 123 });
    await waitFor(() => client.of("op-result").length === 5 && client.of("pong").length === 1);
    const results = new Map(client.of("op-result").map((r) => [r.requestId, r]));
    expect(results.get("1")).toMatchObject({ ok: true, result: { text: "OK" } });
    expect(results.get("2")).toMatchObject({ ok: true, result: { reply: { type: "bulk", value: "socket" } } });
    expect(results.get("3")).toMatchObject({ ok: false, error: { code: "unknown-node" } });
    expect(results.get("4")).toMatchObject({ ok: false, error: { code: "bad-argv" } });
    expect(results.get("5")).toMatchObject({ ok: false, error: { code: "bad-request" } });
    expect(client.of("pong")[0]).toMatchObject({ sentAt: 123 });
    expect(client.closeCode).toBeNull();
    client.close();
  });

  it("answers bad messages with a coded error and keeps the socket, then closes after too many", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    client.send("not json");
    client.send({ type: "teleport" });
    client.send({ nothing: true });
    client.send("x".repeat(5000));
    await waitFor(() => client.of("error").length === 4);
    expect(client.of("error").map((e) => e.error.code)).toEqual(["bad-message", "bad-message", "bad-message", "message-too-large"]);
    // A good message resets the count.
    client.send({ type: "ping", sentAt: 1 });
    await client.next("pong");
    for (let i = 0; i < MAX_BAD_MESSAGES_IN_A_ROW - 1; i++) client.send("{");
    await sleep(200);
    expect(client.closeCode).toBeNull();
    client.send("{");
    await waitFor(() => client.closeCode !== null);
    expect(client.closeCode).toBe(STREAM_CLOSE_CODES.badMessages);
  });

  it("closes the socket on a frame over twice the message limit", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    client.send("y".repeat(10_000));
    await waitFor(() => client.closeCode !== null);
    expect(client.closeCode).toBe(1009);
  });

  it("resends a snapshot on resync", async () => {
    const client = new Client(`${wsUrl}/api/labs/${lab.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    const count = client.messages.length;
    client.send({ type: "resync" });
    expect((await client.next("snapshot", count)).lab.id).toBe(lab.id);
    client.close();
  });

  it("tells clients when their lab is deleted", async () => {
    const doomed = await createLab(app);
    const client = new Client(`${wsUrl}/api/labs/${doomed.id}/stream`);
    await client.opened;
    await client.next("snapshot");
    await app.inject({ method: "DELETE", url: `/api/labs/${doomed.id}` });
    await client.next("lab-deleted");
    await waitFor(() => client.closeCode !== null);
    expect(client.closeCode).toBe(STREAM_CLOSE_CODES.labDeleted);
  });
});

/**
 * Issue 12: one lab failing must not take down the others. An exception inside one lab's engine
 * (injected here: the engine has no known one) marks that lab failed, stops it and keeps it with its
 * log; its view and stream say so with `lab-failed`; every other lab goes on; the process stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Socket } from "node:net";
import WebSocket from "ws";
import type { FastifyInstance } from "fastify";
import type { LabView, ServerMessage } from "@replica-lab/protocol";
import type { NodeProcess } from "@replica-lab/engine";
import { addNode, canConnect, createLab, redisCli, startApp, waitFor } from "../testing/helpers.ts";

/** Makes a node's process throw from now on, at the entry point `method`. */
function breakEngine(app: FastifyInstance, labId: string, nodeId: string, method: "receive" | "tick"): void {
  const runtime = app.labs.get(labId);
  const process = runtime.lab.process(runtime.requireNode(nodeId)) as NodeProcess;
  (process as unknown as Record<string, unknown>)[method] = (): never => {
    throw new TypeError("injected engine bug");
  };
}

function openStream(wsUrl: string, labId: string): { socket: WebSocket; messages: ServerMessage[] } {
  const socket = new WebSocket(`${wsUrl}/api/labs/${labId}/stream`);
  const messages: ServerMessage[] = [];
  socket.on("message", (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  return { socket, messages };
}

describe("a lab whose engine throws", () => {
  let app: FastifyInstance;
  let wsUrl: string;

  beforeAll(async () => {
    ({ app, wsUrl } = await startApp({}, true));
  });

  afterAll(async () => {
    await app.close();
  });

  it("bytes from a RESP client: that lab fails alone, is kept with its log and says so; the others go on", async () => {
    const broken = await createLab(app);
    const a = await addNode(app, broken.id, { name: "A" });
    const other = await createLab(app);
    const b = await addNode(app, other.id, { name: "B" });
    const watcher = openStream(wsUrl, broken.id);
    await waitFor(() => watcher.messages.some((m) => m.type === "snapshot"), 5000, "the snapshot");
    expect(await redisCli(a.respPort!, "SET", "k", "v")).toBe("OK");
    breakEngine(app, broken.id, "A", "receive");

    const client = new Socket();
    let closed = false;
    client.on("error", () => undefined);
    client.on("close", () => (closed = true));
    await new Promise<void>((resolve) => client.connect(a.respPort!, "127.0.0.1", resolve));
    client.write("PING\r\n");
    await waitFor(() => closed, 5000, "the failed lab's client to be dropped");

    // The process and the other lab go on; the failed lab's port no longer listens.
    const started = performance.now();
    expect(await redisCli(b.respPort!, "PING")).toBe("PONG");
    expect(performance.now() - started).toBeLessThan(1000);
    await waitFor(async () => !(await canConnect(a.respPort!)), 5000, "the failed lab's port to close");

    // Its view says so; operations on it are refused with lab-failed; it is still listed.
    const view = (await app.inject({ method: "GET", url: `/api/labs/${broken.id}` })).json<LabView>();
    expect(view.failure?.code).toBe("lab-failed");
    expect(view.failure?.message).toContain("TypeError: injected engine bug");
    expect(view.nodes.map((n) => n.name)).toEqual(["A"]);
    const refused = await app.inject({ method: "POST", url: `/api/labs/${broken.id}/nodes/A/command`, payload: { argv: ["PING"] } });
    expect(refused.statusCode).toBe(500);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe("lab-failed");
    expect((await app.inject({ method: "GET", url: "/api/labs" })).json<{ labs: { id: string }[] }>().labs.map((l) => l.id)).toContain(broken.id);

    // Its log is kept, the failing input last.
    const runtime = app.labs.get(broken.id);
    expect(runtime.guard.failure?.inputs).toBe(runtime.lab.inputs.length);
    expect(runtime.lab.inputs.at(runtime.lab.inputs.length - 1)?.op).toBe("run-until");

    // The stream: a client that was watching gets an update carrying the failure; a new one a snapshot.
    await waitFor(() => watcher.messages.some((m) => m.type === "update" && m.failure?.code === "lab-failed"), 5000, "the update");
    const late = openStream(wsUrl, broken.id);
    await waitFor(() => late.messages.some((m) => m.type === "snapshot" && m.lab.failure?.code === "lab-failed"), 5000, "the snapshot");
    watcher.socket.close();
    late.socket.close();
    client.destroy();
  });

  it("its timer: the lab fails alone; a REST command that makes it throw is answered lab-failed", async () => {
    const timed = await createLab(app);
    await addNode(app, timed.id, { name: "A" });
    const other = await createLab(app);
    const b = await addNode(app, other.id, { name: "B" });
    breakEngine(app, timed.id, "A", "tick");
    // The world ticks the node at its next cron: the lab's timer runs into the fault.
    await waitFor(async () => (await app.inject({ method: "GET", url: `/api/labs/${timed.id}` })).json<LabView>().failure !== undefined, 5000, "the failure");
    expect(await redisCli(b.respPort!, "PING")).toBe("PONG");

    const commanded = await createLab(app);
    await addNode(app, commanded.id, { name: "A" });
    breakEngine(app, commanded.id, "A", "receive");
    const answer = await app.inject({ method: "POST", url: `/api/labs/${commanded.id}/nodes/A/command`, payload: { argv: ["PING"] } });
    expect(answer.statusCode).toBe(500);
    expect(answer.json<{ error: { code: string } }>().error.code).toBe("lab-failed");
    expect((await app.inject({ method: "GET", url: `/api/labs/${commanded.id}` })).json<LabView>().failure?.code).toBe("lab-failed");
    // Deleting a failed lab works.
    expect((await app.inject({ method: "DELETE", url: `/api/labs/${commanded.id}` })).statusCode).toBe(204);
  });
});

/**
 * The config file and the graceful exit over REST and the stream: reading and replacing a node's
 * redis.conf (a bad file is refused with its line, and nothing changes), REPLICAOF with and
 * without `persist` across a kill and restart, and SHUTDOWN against kill (what survives, and the
 * port refusing connections afterwards, as after a kill).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { asPsync2, type NodeSnapshot } from "@replica-lab/engine";
import type { ApiError, LabEvent, LabOperation, ServerMessage } from "@replica-lab/protocol";
import { addNode, canConnect, createLab, freePort, startApp, waitFor } from "../testing/helpers.ts";

let app: FastifyInstance;
let wsUrl: string;

beforeAll(async () => {
  ({ app, wsUrl } = await startApp({}, true));
});
afterAll(async () => {
  await app.close();
});

type Method = "GET" | "POST" | "PUT";

async function call<T>(method: Method, url: string, payload?: object): Promise<{ status: number; body: T }> {
  const response = await app.inject(payload === undefined ? { method, url } : { method, url, payload });
  return { status: response.statusCode, body: response.json<T>() };
}

async function ok<T>(method: Method, url: string, payload?: object): Promise<T> {
  const { status, body } = await call<T>(method, url, payload);
  expect(status, `${method} ${url}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

/** A lab with A (master) and B, each with a RESP port; B replicates from A when `linked`. */
async function pair(linked: boolean): Promise<{ lab: string; a: NodeSnapshot; b: NodeSnapshot }> {
  const lab = (await createLab(app)).id;
  // No 5 s wait for more replicas before a diskless full sync (redis 7.0's default delay).
  const a = await addNode(app, lab, { name: "A", config: { "repl-diskless-sync-delay": 0 } });
  const b = await addNode(app, lab, { name: "B" });
  if (linked) {
    await ok("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: "A" });
    await waitUntil(lab, "B", (n) => n.linkUp);
  }
  return { lab, a, b };
}

async function node(lab: string, name: string): Promise<NodeSnapshot> {
  return ok<NodeSnapshot>("GET", `/api/labs/${lab}/nodes/${name}`);
}

async function waitUntil(lab: string, name: string, check: (n: NodeSnapshot) => boolean, what = `${name} to change`): Promise<NodeSnapshot> {
  let last: NodeSnapshot | null = null;
  await waitFor(async () => check((last = await node(lab, name))), 10_000, what);
  return last!;
}

async function events(lab: string): Promise<LabEvent[]> {
  return (await ok<{ events: LabEvent[] }>("GET", `/api/labs/${lab}/events`)).events;
}

async function setKeys(lab: string, name: string, keys: readonly string[]): Promise<void> {
  for (const key of keys) await ok("POST", `/api/labs/${lab}/nodes/${name}/command`, { argv: ["SET", key, "v"] });
}

describe("the config file", () => {
  it("is read and replaced over REST; a line the node would refuse is a 400 naming it, and nothing is written", async () => {
    const { lab, a } = await pair(false);
    const url = `/api/labs/${lab}/nodes/A/config-file`;
    const initial = await ok<{ text: string }>("GET", url);
    expect(initial.text).toBe(a.configFile);

    const text = `${initial.text}repl-backlog-size 2mb\nsave 900 1\n`;
    const written = await ok<NodeSnapshot>("PUT", url, { text });
    expect(written.configFile).toBe(text);
    expect((await ok<{ text: string }>("GET", url)).text).toBe(text);
    // The running process keeps its settings: the file takes effect at the next start.
    expect(asPsync2(written).config.save).toBe("3600 1 300 100 60 10000");
    expect((await events(lab)).filter((e) => e.kind === "config-file")).toHaveLength(1);

    const bad = await call<ApiError>("PUT", url, { text: "appendonly no\nnot-a-directive yes\n" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad-config-file");
    expect(bad.body.error.line).toBe(2);
    expect(bad.body.error.message).toMatch(/line 2/);
    expect((await ok<{ text: string }>("GET", url)).text).toBe(text);
    expect((await events(lab)).filter((e) => e.kind === "config-file")).toHaveLength(1);

    const restarted = await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/restart`, {});
    expect(asPsync2(restarted).config.save).toBe("900 1");
    expect(asPsync2(restarted).config.replBacklogSize).toBe(2 * 1024 * 1024);
  });

  it("can be replaced while the node is down, and refuses bodies that are not a file", async () => {
    const { lab } = await pair(false);
    await ok("POST", `/api/labs/${lab}/nodes/A/kill`);
    const down = await ok<NodeSnapshot>("PUT", `/api/labs/${lab}/nodes/A/config-file`, { text: "replicaof 127.0.0.1 6390\n" });
    expect(down.status).toBe("down");
    // A node that is down shows what it will start as: its file says replicaof.
    expect(down.role).toBe("replica");
    for (const payload of [{}, { text: 5 }, { text: "x", extra: true }]) {
      expect((await call<ApiError>("PUT", `/api/labs/${lab}/nodes/A/config-file`, payload)).body.error.code).toBe("bad-request");
    }
    expect((await call<ApiError>("GET", `/api/labs/${lab}/nodes/Z/config-file`)).body.error.code).toBe("unknown-node");
  });
});

describe("REPLICAOF with persist", () => {
  it("without persist, a killed and restarted replica comes back as a master; with it, as a replica", async () => {
    const { lab, a } = await pair(true);
    expect((await node(lab, "B")).configFile).not.toMatch(/^replicaof/m);
    await ok("POST", `/api/labs/${lab}/nodes/B/kill`);
    const back = await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/B/restart`, {});
    expect(back.role).toBe("master");
    expect((await events(lab)).at(-1)?.message ?? "").toMatch(/as a master \(no replicaof in the file\)/);

    const persisted = await ok<NodeSnapshot>("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: "A", persist: true });
    expect(persisted.role).toBe("replica");
    expect(persisted.configFile).toMatch(new RegExp(`^replicaof 127\\.0\\.0\\.1 ${a.port}$`, "m"));
    await waitUntil(lab, "B", (n) => n.linkUp);
    await ok("POST", `/api/labs/${lab}/nodes/B/kill`);
    const again = await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/B/restart`, {});
    expect(again.role).toBe("replica");
    expect(again.masterId).toBe(a.id);
    await waitUntil(lab, "B", (n) => n.linkUp, "B to rejoin A");

    // Promoting with persist takes the line out again.
    const promoted = await ok<NodeSnapshot>("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: null, persist: true });
    expect(promoted.role).toBe("master");
    expect(promoted.configFile).not.toMatch(/^replicaof/m);
  });

  it("persists an outside host:port master too, and writes nothing when the master is refused", async () => {
    const { lab, b } = await pair(false);
    const port = await freePort();
    const outside = await ok<NodeSnapshot>("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: `127.0.0.1:${port}`, persist: true });
    expect(outside.configFile).toMatch(new RegExp(`^replicaof 127\\.0\\.0\\.1 ${port}$`, "m"));
    await ok("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: null, persist: true });

    const before = (await node(lab, "B")).configFile;
    const refused = await call<ApiError>("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: "nowhere", persist: true });
    expect(refused.body.error.code).toBe("unknown-node");
    expect((await node(lab, "B")).configFile).toBe(before);
    expect(b.configFile).toBe(before);
    expect((await call<ApiError>("PUT", `/api/labs/${lab}/nodes/B/master`, { masterId: "A", persist: "yes" })).body.error.code).toBe("bad-request");
  });
});

describe("shutdown", () => {
  it("saves, exits and closes the port; the restart has the keys. Kill loses what came after", async () => {
    const { lab, a } = await pair(false);
    await setKeys(lab, "A", ["k1", "k2", "k3"]);
    expect(asPsync2(await node(lab, "A")).dirty).toBe(3);

    const down = await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/shutdown`, {});
    expect(down.status).toBe("down");
    expect(await canConnect(a.respPort!)).toBe(false);
    const kinds = (await events(lab)).filter((e) => e.nodeId === a.id).map((e) => e.kind);
    expect(kinds.slice(-2)).toEqual(["persistence", "exited"]);
    expect((await call<ApiError>("POST", `/api/labs/${lab}/nodes/A/shutdown`, {})).body.error.code).toBe("node-down");

    const back = await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/restart`, {});
    expect(back.keys).toBe(3);
    expect(await canConnect(a.respPort!)).toBe(true);

    await setKeys(lab, "A", ["k4", "k5"]);
    await ok("POST", `/api/labs/${lab}/nodes/A/kill`);
    expect((await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/restart`, {})).keys).toBe(3);
  });

  it("SHUTDOWN NOSAVE (save: false) keeps nothing new; a body-less POST is a plain SHUTDOWN", async () => {
    const { lab } = await pair(false);
    await setKeys(lab, "A", ["k1"]);
    await ok("POST", `/api/labs/${lab}/nodes/A/shutdown`, { save: false });
    expect((await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/restart`, {})).keys).toBe(0);

    await setKeys(lab, "A", ["k1", "k2"]);
    const response = await app.inject({ method: "POST", url: `/api/labs/${lab}/nodes/A/shutdown` });
    expect(response.statusCode).toBe(200);
    expect((await ok<NodeSnapshot>("POST", `/api/labs/${lab}/nodes/A/restart`, {})).keys).toBe(2);
    expect((await call<ApiError>("POST", `/api/labs/${lab}/nodes/A/shutdown`, { save: "no" })).body.error.code).toBe("bad-request");
  });
});

describe("over the stream", () => {
  it("runs shutdown and config-file as operations, with the same answers and codes as REST", async () => {
    const { lab } = await pair(false);
    const socket = new WebSocket(`${wsUrl}/api/labs/${lab}/stream`);
    const messages: ServerMessage[] = [];
    socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString("utf8")) as ServerMessage));
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const request = async (requestId: string, op: LabOperation): Promise<Extract<ServerMessage, { type: "op-result" }>> => {
      socket.send(JSON.stringify({ type: "op", requestId, op }));
      let result: Extract<ServerMessage, { type: "op-result" }> | undefined;
      await waitFor(() => (result = messages.find((m): m is Extract<ServerMessage, { type: "op-result" }> => m.type === "op-result" && m.requestId === requestId)) !== undefined, 10_000, requestId);
      return result!;
    };
    try {
      const bad = await request("bad", { kind: "config-file", nodeId: "A", text: "repl-backlog-size lots\n" });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error).toMatchObject({ code: "bad-config-file", line: 1 });
      const good = await request("good", { kind: "config-file", nodeId: "A", text: "save 60 1\n" });
      expect(good.ok && (good.result as NodeSnapshot).configFile).toBe("save 60 1\n");
      const shut = await request("shut", { kind: "shutdown", nodeId: "A", save: true });
      expect(shut.ok && (shut.result as NodeSnapshot).status).toBe("down");
      const unknown = await request("unknown", { kind: "shutdown", nodeId: "A", save: 1 } as unknown as LabOperation);
      expect(!unknown.ok && unknown.error.code).toBe("bad-request");
    } finally {
      socket.close();
    }
  });
});

/**
 * Issue 12, one console per user: each browser tab (stream socket) has its own connection on a node,
 * a REST command without a session is one redis-cli invocation, REST callers keep state with a
 * session of their own; the result says the console's db (and MULTI) for redis-cli's prompt; a node
 * with requirepass asks every user to AUTH, while the canvas's own REPLICAOF still works. All of it
 * is in the lab's input log: a replay rebuilds the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FastifyInstance } from "fastify";
import { Lab } from "@replica-lab/engine";
import type { CommandResult, LabOperation, ServerMessage } from "@replica-lab/protocol";
import { addNode, createLab, startApp, waitFor } from "../testing/helpers.ts";

/** A browser tab: one stream socket, operations answered by requestId. */
class Tab {
  private readonly answers = new Map<string, ServerMessage>();
  private next = 1;
  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === "op-result") this.answers.set(message.requestId, message);
    });
  }

  static async open(wsUrl: string, labId: string): Promise<Tab> {
    const socket = new WebSocket(`${wsUrl}/api/labs/${labId}/stream`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new Tab(socket);
  }

  async command(nodeId: string, ...argv: string[]): Promise<CommandResult> {
    const requestId = `r${this.next++}`;
    const op: LabOperation = { kind: "command", nodeId, argv };
    this.socket.send(JSON.stringify({ type: "op", requestId, op }));
    await waitFor(() => this.answers.has(requestId), 5000, `the answer to ${argv.join(" ")}`);
    const answer = this.answers.get(requestId)!;
    if (answer.type !== "op-result" || !answer.ok) throw new Error(`${argv.join(" ")}: ${JSON.stringify(answer)}`);
    return answer.result as CommandResult;
  }

  close(): void {
    this.socket.close();
  }
}

describe("one console per user", () => {
  let app: FastifyInstance;
  let wsUrl: string;
  let labId: string;

  beforeAll(async () => {
    ({ app, wsUrl } = await startApp({}, true));
    labId = (await createLab(app)).id;
    await addNode(app, labId, { name: "A" });
  });

  afterAll(async () => {
    await app.close();
  });

  async function rest(argv: string[], session?: string): Promise<CommandResult> {
    const response = await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/A/command`, payload: session === undefined ? { argv } : { argv, session } });
    expect(response.statusCode).toBe(200);
    return response.json<CommandResult>();
  }

  it("two tabs: one's MULTI and SELECT never reach the other's commands; the result carries the db and the transaction", async () => {
    const one = await Tab.open(wsUrl, labId);
    const two = await Tab.open(wsUrl, labId);
    expect((await one.command("A", "MULTI")).text).toBe("OK");
    expect(await one.command("A", "SET", "a", "1")).toMatchObject({ text: "QUEUED", inTransaction: true });
    // The other tab is not in a transaction: its SET runs at once.
    expect(await two.command("A", "SET", "k", "v")).toEqual({ reply: { type: "simple", value: "OK" }, text: "OK" });
    expect(await one.command("A", "EXEC")).toMatchObject({ text: "1) OK" });
    expect((await one.command("A", "EXEC")).inTransaction).toBeUndefined();
    expect(await two.command("A", "SELECT", "3")).toMatchObject({ text: "OK", db: 3 });
    expect(await two.command("A", "GET", "k")).toMatchObject({ text: "(nil)", db: 3 });
    // The first tab is still on db 0.
    expect(await one.command("A", "GET", "k")).toEqual({ reply: { type: "bulk", value: "v", encoding: "utf8" }, text: '"v"' });
    // A PSYNC typed in one tab turns that connection into a replica link; the other tab's PING is a PING.
    await one.command("A", "PSYNC", "?", "-1");
    expect((await two.command("A", "PING")).text).toBe("PONG");
    one.close();
    two.close();
  });

  it("REST: without a session, each command is one redis-cli invocation; with one, the session's console keeps its state", async () => {
    expect(await rest(["SELECT", "5"])).toMatchObject({ text: "OK", db: 5 });
    expect((await rest(["DBSIZE"])).db).toBeUndefined();
    expect(await rest(["SELECT", "5"], "alice")).toMatchObject({ db: 5 });
    expect(await rest(["SET", "x", "1"], "alice")).toMatchObject({ text: "OK", db: 5 });
    expect(await rest(["GET", "x"], "alice")).toMatchObject({ text: '"1"', db: 5 });
    expect((await rest(["GET", "x"], "bob")).text).toBe("(nil)");
    expect((await rest(["MULTI"], "bob")).inTransaction).toBe(true);
    expect((await rest(["GET", "x"])).text).toBe("(nil)");
    expect((await rest(["DISCARD"], "bob")).inTransaction).toBeUndefined();
  });

  it("a node with requirepass: NOAUTH until AUTH, per user, as the seed tutorial shows; the canvas's REPLICAOF still works", async () => {
    const guarded = (await addNode(app, labId, { name: "P", config: { requirepass: "000000" } })).id;
    const ask = async (argv: string[], session?: string): Promise<CommandResult> =>
      (await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/${guarded}/command`, payload: session === undefined ? { argv } : { argv, session } })).json<CommandResult>();
    // INFO's reply is printed raw, as redis-cli prints it (no "(error)" prefix).
    expect((await ask(["INFO", "replication"], "carol")).text).toBe("NOAUTH Authentication required.");
    expect((await ask(["AUTH", "000000"], "carol")).text).toBe("OK");
    expect((await ask(["INFO", "replication"], "carol")).text).toContain("role:master");
    // Another user has not authenticated.
    expect((await ask(["GET", "x"], "dave")).text).toBe("(error) NOAUTH Authentication required.");
    const tab = await Tab.open(wsUrl, labId);
    expect((await tab.command(guarded, "PING")).text).toBe("(error) NOAUTH Authentication required.");
    tab.close();
    // The operator's own console logs in: drag-to-replicate on the canvas works.
    const master = await app.inject({ method: "PUT", url: `/api/labs/${labId}/nodes/${guarded}/master`, payload: { masterId: "A" } });
    expect(master.statusCode).toBe(200);
    expect((await ask(["ROLE"], "carol")).text).toContain("slave");
  });

  it("PUB-9: SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE are refused with subscribe-in-console (one reply per command); PUBLISH runs and the session's console still answers in step", async () => {
    for (const argv of [["SUBSCRIBE", "ch"], ["psubscribe", "c*"], ["SSubscribe", "s"]]) {
      const response = await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/A/command`, payload: { argv, session: "pubsub" } });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe("subscribe-in-console");
    }
    expect((await rest(["PUBLISH", "ch", "m"], "pubsub")).text).toBe("(integer) 0");
    expect((await rest(["PING"], "pubsub")).text).toBe("PONG");
    const lab = app.labs.get(labId).lab;
    const outcome = await new Promise<{ ok: boolean; error?: string }>((resolve) => lab.execute(lab.nodeIds()[0]!, ["SUBSCRIBE", "x"], resolve));
    expect(outcome).toMatchObject({ ok: false, error: "subscribe-in-console" });
  });

  it("is all in the input log: a replay rebuilds the same data", async () => {
    const lab = app.labs.get(labId).lab;
    const replayed = Lab.replay(lab.creation, lab.inputs.toArray());
    for (const id of lab.nodeIds()) expect(replayed.nodeSnapshot(id).keys).toBe(lab.nodeSnapshot(id).keys);
    expect(lab.inputs.toArray().filter((input) => input.op === "open").length).toBeGreaterThan(5);
  });
});

/**
 * REPLICAOF must not turn a lab node into a client of the server itself: its HTTP port, and the
 * RESP port of a node in another lab, are refused before any socket is opened, whatever the
 * allow-list says; other loopback ports stay reachable under the default policy.
 */
import { createServer, type Server } from "node:net";
import type { FastifyInstance } from "fastify";
import type { LabEvent } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, startApp, waitFor } from "../testing/helpers.ts";

async function events(app: FastifyInstance, labId: string): Promise<LabEvent[]> {
  return (await app.inject({ method: "GET", url: `/api/labs/${labId}/events` })).json<{ events: LabEvent[] }>().events;
}

async function setMaster(app: FastifyInstance, labId: string, nodeId: string, masterId: string): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const response = await app.inject({ method: "PUT", url: `/api/labs/${labId}/nodes/${nodeId}/master`, payload: { masterId } });
  const body = response.json<{ error?: { code: string; message: string } }>();
  return { status: response.statusCode, code: body.error?.code, message: body.error?.message };
}

describe("outbound connections to the server's own ports", () => {
  let app: FastifyInstance;
  let httpPort: number;
  /** Connections the HTTP server accepted (the tests talk to it through inject only). */
  let httpConnections = 0;

  beforeAll(async () => {
    // `*`: even an operator who allows everything does not allow these.
    let baseUrl: string;
    ({ app, baseUrl } = await startApp({ allowOutbound: ["*"] }, true));
    httpPort = Number(new URL(baseUrl).port);
    app.server.on("connection", () => httpConnections++);
  });
  afterAll(async () => {
    await app.close();
  });

  it("refuses the HTTP port, by address or by name, in set-master and in REPLICAOF, without connecting", async () => {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    for (const target of [`127.0.0.1:${httpPort}`, `localhost:${httpPort}`, `127.9.9.9:${httpPort}`, `0.0.0.0:${httpPort}`, `::1:${httpPort}`]) {
      const answer = await setMaster(app, lab.id, node.id, target);
      expect(answer, target).toMatchObject({ status: 403, code: "outbound-not-allowed" });
      expect(answer.message, target).toMatch(/port of this Replica Lab server/);
    }
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "127.0.0.1", String(httpPort)] } });
    const refusal = `error condition on socket for SYNC: outbound connections to 127.0.0.1:${httpPort} are not allowed: it is a port of this Replica Lab server`;
    await waitFor(async () => (await events(app, lab.id)).filter((e) => e.message.startsWith(refusal)).length >= 2, 5_000, "two refusals (a retry)");
    expect(httpConnections).toBe(0);
    expect(app.labs.get(lab.id).outbound.openSockets).toBe(0);
  });

  it("refuses the RESP port of a node in another lab (a lab reaches no other lab)", async () => {
    const mine = await createLab(app);
    const other = await createLab(app);
    const node = await addNode(app, mine.id);
    const neighbour = await addNode(app, other.id);
    const target = `127.0.0.1:${neighbour.respPort}`;
    expect(await setMaster(app, mine.id, node.id, target)).toMatchObject({ status: 403, code: "outbound-not-allowed" });
    await app.inject({ method: "POST", url: `/api/labs/${mine.id}/nodes/${node.id}/command`, payload: { argv: ["REPLICAOF", "127.0.0.1", String(neighbour.respPort)] } });
    await waitFor(async () => (await events(app, mine.id)).some((e) => e.message.includes(`outbound connections to ${target} are not allowed: it is a port of this Replica Lab server`)), 5_000, "the refusal");
    expect(app.labs.get(mine.id).outbound.openSockets).toBe(0);
    expect(app.labs.get(other.id).gateway.sessionCount(neighbour.id)).toBe(0);
    // A node of the lab itself is no outbound connection: its address links it inside the lab.
    const sibling = await addNode(app, mine.id);
    const inside = await setMaster(app, mine.id, sibling.id, node.address);
    expect(inside.status).toBe(200);
  });

  it("still connects to another loopback port the policy allows", async () => {
    let accepted = 0;
    const peer: Server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    try {
      const port = (peer.address() as { port: number }).port;
      const lab = await createLab(app);
      const node = await addNode(app, lab.id);
      expect((await setMaster(app, lab.id, node.id, `127.0.0.1:${port}`)).status).toBe(200);
      await waitFor(() => accepted > 0, 5_000, "a connection to the peer");
    } finally {
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    }
  });
});

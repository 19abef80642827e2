/**
 * Reaching the server from outside the lab, over real sockets: a page on another site (foreign
 * `Origin`), DNS rebinding (foreign `Host`), a server listening beyond loopback (the operator
 * secret), and the answers that used to leave the `{ error: { code, message } }` shape (431, a
 * malformed URL, a JSON `null` body).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabSummary, LabView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";
import { codeOf, openStream, send, sendRaw } from "./wire-client.ts";

const EVIL = "http://evil.example";
const json = { "content-type": "application/json" };

describe("a server on loopback", () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let wsUrl: string;
  let port: number;
  let lab: LabView;

  beforeAll(async () => {
    ({ app, baseUrl, wsUrl } = await startApp({}, true));
    port = Number(new URL(baseUrl).port);
    lab = await createLab(app, { template: "one-master-two-replicas" });
  });
  afterAll(async () => {
    await app.close();
  });

  const statusOf = async (name: string): Promise<string> => {
    const answer = await send(baseUrl, "GET", `/api/labs/${lab.id}/nodes/${name}`);
    return (JSON.parse(answer.text) as { status: string }).status;
  };

  it("refuses a WebSocket from a foreign Origin (403 forbidden-origin) and accepts its own page and the Vite dev server", async () => {
    const refused = await openStream(`${wsUrl}/api/labs/${lab.id}/stream`, { origin: EVIL });
    expect(refused.kind).toBe("refused");
    if (refused.kind !== "refused") return;
    expect(refused.status).toBe(403);
    expect(codeOf(refused)).toBe("forbidden-origin");

    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, "http://localhost:5173"]) {
      const own = await openStream(`${wsUrl}/api/labs/${lab.id}/stream`, { origin });
      expect(own.kind === "open" ? own.first.type : own, origin).toBe("snapshot");
    }
    // No Origin at all: a tool, not a browser page.
    const tool = await openStream(`${wsUrl}/api/labs/${lab.id}/stream`);
    expect(tool.kind === "open" ? tool.first.type : tool).toBe("snapshot");
  });

  it("refuses cross-site requests that change state, bodiless ones included (kill, freeze, restart, create, delete)", async () => {
    const labsBefore = (JSON.parse((await send(baseUrl, "GET", "/api/labs")).text) as { labs: LabSummary[] }).labs.length;
    const attempts: Array<[string, string, string | undefined]> = [
      ["POST", `/api/labs/${lab.id}/nodes/A/kill`, undefined],
      ["POST", `/api/labs/${lab.id}/nodes/B/freeze`, undefined],
      ["POST", `/api/labs/${lab.id}/nodes/C/restart`, undefined],
      ["POST", "/api/labs", undefined],
      ["POST", `/api/labs/${lab.id}/nodes/A/command`, JSON.stringify({ argv: ["FLUSHALL"] })],
      ["PUT", `/api/labs/${lab.id}/nodes/B/master`, JSON.stringify({ masterId: null })],
      ["PATCH", `/api/labs/${lab.id}/links/A/B`, JSON.stringify({ partitioned: true })],
      ["DELETE", `/api/labs/${lab.id}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      // text/plain is what a cross-site <form> or a "simple" fetch sends without a preflight.
      const variants: Array<Record<string, string>> = [{ origin: EVIL }, { origin: EVIL, "content-type": "text/plain" }, { origin: "null", ...json }];
      for (const headers of variants) {
        const answer = await send(baseUrl, method, path, headers, body);
        expect({ status: answer.status, code: codeOf(answer) }, `${method} ${path} ${JSON.stringify(headers)}`).toEqual({ status: 403, code: "forbidden-origin" });
      }
    }
    expect([await statusOf("A"), await statusOf("B"), await statusOf("C")]).toEqual(["up", "up", "up"]);
    expect((JSON.parse((await send(baseUrl, "GET", "/api/labs")).text) as { labs: LabSummary[] }).labs.length).toBe(labsBefore);
    expect((await send(baseUrl, "GET", `/api/labs/${lab.id}`)).status).toBe(200);
  });

  it("still serves requests without an Origin (curl, scripts) and from its own page", async () => {
    const own = await send(baseUrl, "POST", `/api/labs/${lab.id}/nodes/C/kill`, { origin: `http://127.0.0.1:${port}` });
    expect(own.status, own.text).toBe(200);
    expect(await statusOf("C")).toBe("down");
    const tool = await send(baseUrl, "POST", `/api/labs/${lab.id}/nodes/C/restart`);
    expect(tool.status, tool.text).toBe(200);
    expect(await statusOf("C")).toBe("up");
    // A cross-site GET is no change of state: the browser keeps its answer from the page anyway.
    expect((await send(baseUrl, "GET", "/api/labs", { origin: EVIL })).status).toBe(200);
  });

  it("refuses a foreign Host (DNS rebinding) with 403 forbidden-host, on REST, the stream and the page", async () => {
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.evil.example:${port}`, `localhost.evil.example:${port}`]) {
      const answer = await send(baseUrl, "GET", "/api/labs", { host });
      expect({ status: answer.status, code: codeOf(answer) }, host).toEqual({ status: 403, code: "forbidden-host" });
      const kill = await send(baseUrl, "POST", `/api/labs/${lab.id}/nodes/A/kill`, { host, origin: `http://${host}` });
      expect({ status: kill.status, code: codeOf(kill) }, host).toEqual({ status: 403, code: "forbidden-host" });
    }
    const page = await send(baseUrl, "GET", "/?lab=x", { host: `evil.example:${port}` });
    expect(page.status).toBe(403);
    const stream = await openStream(`${wsUrl}/api/labs/${lab.id}/stream`, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` });
    expect(stream.kind === "refused" ? { status: stream.status, code: codeOf(stream) } : stream).toEqual({ status: 403, code: "forbidden-host" });
    expect(await statusOf("A")).toBe("up");

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, "localhost"]) {
      expect((await send(baseUrl, "GET", "/api/labs", { host })).status, host).toBe(200);
    }
  });

  it("labs made on loopback are owned by 'local'", async () => {
    const created = await send(baseUrl, "POST", "/api/labs");
    expect(created.status).toBe(201);
    const view = JSON.parse(created.text) as LabView;
    expect(view.owner).toBe("local");
    const list = JSON.parse((await send(baseUrl, "GET", "/api/labs")).text) as { labs: LabSummary[] };
    expect(list.labs.find((l) => l.id === view.id)?.owner).toBe("local");
    expect((await send(baseUrl, "DELETE", `/api/labs/${view.id}`)).status).toBe(204);
  });

  it("answers 431, malformed URLs and other unparsable requests with the error shape", async () => {
    const tooLarge = await sendRaw(port, `GET /api/labs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(tooLarge).toMatch(/^HTTP\/1\.1 431 /);
    expect(codeOf({ text: tooLarge })).toBe("header-too-large");

    const badUrl = await send(baseUrl, "GET", "/api/labs/%E0%A4%A");
    expect({ status: badUrl.status, code: codeOf(badUrl) }).toEqual({ status: 400, code: "bad-url" });
    const longParam = await send(baseUrl, "GET", `/api/labs/${"a".repeat(300)}`);
    expect({ status: longParam.status, code: codeOf(longParam) }).toEqual({ status: 414, code: "url-too-long" });

    const garbage = await sendRaw(port, "GARBAGE\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(codeOf({ text: garbage })).toBe("bad-request");
  });

  it("answers a JSON null body with 400 bad-request, on routes with and without a body", async () => {
    for (const path of ["/api/labs", `/api/labs/${lab.id}/nodes/A/kill`, `/api/labs/${lab.id}/clock`, `/api/labs/${lab.id}/nodes/A/command`]) {
      const answer = await send(baseUrl, "POST", path, json, " null ");
      expect({ status: answer.status, code: codeOf(answer) }, path).toEqual({ status: 400, code: "bad-request" });
    }
    expect(await statusOf("A")).toBe("up");
  });
});

describe("a server exposed beyond loopback", () => {
  const secret = "classroom-secret-7c1f";
  let app: FastifyInstance;
  let baseUrl: string;
  let wsUrl: string;
  let labId: string;
  const bearer = { authorization: `Bearer ${secret}` };

  beforeAll(async () => {
    // Bound to 127.0.0.1 like every test, but told it is exposed (as HOST=0.0.0.0 makes it).
    ({ app, baseUrl, wsUrl } = await startApp({ access: { exposed: true, secret } }, true));
    const created = await send(baseUrl, "POST", "/api/labs", { ...bearer, ...json }, JSON.stringify({ template: "one-master-two-replicas" }));
    expect(created.status, created.text).toBe(201);
    labId = (JSON.parse(created.text) as LabView).id;
  });
  afterAll(async () => {
    await app.close();
  });

  it("needs the secret for every API request (401 unauthorized), reads included", async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${secret}` }, { cookie: "replica_lab_token=wrong" }];
    for (const headers of variants) {
      for (const [method, path] of [
        ["POST", `/api/labs/${labId}/nodes/A/kill`],
        ["POST", "/api/labs"],
        ["DELETE", `/api/labs/${labId}`],
        ["GET", "/api/labs"],
        ["GET", `/api/labs/${labId}`],
        ["GET", `/api/labs/${labId}/events`],
      ] as const) {
        const answer = await send(baseUrl, method, path, headers);
        expect({ status: answer.status, code: codeOf(answer) }, `${method} ${path} ${JSON.stringify(headers)}`).toEqual({ status: 401, code: "unauthorized" });
        expect(answer.headers["www-authenticate"]).toMatch(/^Bearer/);
      }
    }
    const wrongQuery = await send(baseUrl, "GET", `/api/labs?token=wrong`);
    expect(wrongQuery.status).toBe(401);
    const node = JSON.parse((await send(baseUrl, "GET", `/api/labs/${labId}/nodes/A`, bearer)).text) as { status: string };
    expect(node.status).toBe("up");
    expect((await send(baseUrl, "GET", "/api/labs", bearer)).status).toBe(200);
    expect((await send(baseUrl, "GET", `/api/labs?token=${secret}`)).status).toBe(200);
  });

  it("needs the secret for the stream (its operations too): header, ?token= or the cookie", async () => {
    const url = `${wsUrl}/api/labs/${labId}/stream`;
    const anonymous = await openStream(url);
    expect(anonymous.kind === "refused" ? { status: anonymous.status, code: codeOf(anonymous) } : anonymous).toEqual({ status: 401, code: "unauthorized" });
    const wrong = await openStream(`${url}?token=nope`);
    expect(wrong.kind === "refused" ? wrong.status : wrong).toBe(401);
    for (const [target, headers] of [
      [url, bearer],
      [`${url}?token=${encodeURIComponent(secret)}`, {}],
      [url, { cookie: `other=1; replica_lab_token=${secret}` }],
    ] as const) {
      const opened = await openStream(target, headers);
      expect(opened.kind === "open" ? opened.first.type : opened).toBe("snapshot");
    }
  });

  it("turns ?token= on a page load into an HttpOnly SameSite=Strict cookie and drops it from the address", async () => {
    const page = await send(baseUrl, "GET", `/?lab=${labId}&token=${encodeURIComponent(secret)}`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`/?lab=${labId}`);
    const cookie = String(page.headers["set-cookie"]);
    expect(cookie).toMatch(/^replica_lab_token=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(";")[0]!;
    const withCookie = await send(baseUrl, "POST", `/api/labs/${labId}/nodes/B/freeze`, { cookie: pair });
    expect(withCookie.status, withCookie.text).toBe(200);
    expect((await send(baseUrl, "POST", `/api/labs/${labId}/nodes/B/thaw`, { cookie: pair })).status).toBe(200);
    // A wrong token is no cookie: the page loads, its API calls are refused.
    const wrong = await send(baseUrl, "GET", `/?lab=${labId}&token=wrong`);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });

  it("still refuses foreign Origins and Hosts, secret or not", async () => {
    const port = new URL(baseUrl).port;
    const crossSite = await send(baseUrl, "POST", `/api/labs/${labId}/nodes/A/kill`, { ...bearer, origin: EVIL });
    expect({ status: crossSite.status, code: codeOf(crossSite) }).toEqual({ status: 403, code: "forbidden-origin" });
    const rebound = await send(baseUrl, "GET", "/api/labs", { ...bearer, host: `evil.example:${port}` });
    expect({ status: rebound.status, code: codeOf(rebound) }).toEqual({ status: 403, code: "forbidden-host" });
  });

  it("records who made each lab: the token's owner id, never the token itself", async () => {
    const list = JSON.parse((await send(baseUrl, "GET", "/api/labs", bearer)).text) as { labs: LabSummary[] };
    const owner = list.labs.find((l) => l.id === labId)?.owner;
    expect(owner).toMatch(/^token:[0-9a-f]{12}$/);
    expect(owner).not.toContain(secret);
    const view = JSON.parse((await send(baseUrl, "GET", `/api/labs/${labId}`, bearer)).text) as LabView;
    expect(view.owner).toBe(owner);
  });

  it("lets lab nodes reach no loopback address outside the lab by default", async () => {
    const answer = await send(baseUrl, "PUT", `/api/labs/${labId}/nodes/C/master`, { ...bearer, ...json }, JSON.stringify({ masterId: "127.0.0.1:6399" }));
    expect({ status: answer.status, code: codeOf(answer) }).toEqual({ status: 403, code: "outbound-not-allowed" });
  });
});

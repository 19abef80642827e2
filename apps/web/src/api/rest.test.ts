import { describe, expect, it } from "vitest";
import { restRequestFor, sendRest } from "./rest.ts";
import { LabRequestError } from "./errors.ts";

describe("restRequestFor", () => {
  it("maps operations onto the documented routes", () => {
    expect(restRequestFor("L", { kind: "set-master", nodeId: "n2", masterId: "n1" })).toEqual({ method: "PUT", path: "/api/labs/L/nodes/n2/master", body: { masterId: "n1" } });
    expect(restRequestFor("L", { kind: "set-master", nodeId: "n2", masterId: null })?.body).toEqual({ masterId: null });
    expect(restRequestFor("L", { kind: "command", nodeId: "n1", argv: ["SET", "k", "v"] })).toEqual({ method: "POST", path: "/api/labs/L/nodes/n1/command", body: { argv: ["SET", "k", "v"] } });
    expect(restRequestFor("L", { kind: "restart", nodeId: "n1", wipe: true })).toEqual({ method: "POST", path: "/api/labs/L/nodes/n1/restart", body: { wipe: true } });
    expect(restRequestFor("L", { kind: "link", a: "n1", b: "n2", partitioned: true })).toEqual({ method: "PATCH", path: "/api/labs/L/links/n1/n2", body: { partitioned: true } });
    expect(restRequestFor("L", { kind: "clock", action: "step", stepMs: 100 })).toEqual({ method: "POST", path: "/api/labs/L/clock", body: { action: "step", stepMs: 100 } });
    expect(restRequestFor("L", { kind: "remove-node", nodeId: "n3" })).toEqual({ method: "DELETE", path: "/api/labs/L/nodes/n3" });
  });

  it("maps shutdown, the config file and a persisted REPLICAOF onto their routes", () => {
    expect(restRequestFor("L", { kind: "shutdown", nodeId: "n1" })).toEqual({ method: "POST", path: "/api/labs/L/nodes/n1/shutdown", body: {} });
    expect(restRequestFor("L", { kind: "shutdown", nodeId: "n1", save: false })?.body).toEqual({ save: false });
    expect(restRequestFor("L", { kind: "config-file", nodeId: "n1", text: "save 60 1\n" })).toEqual({ method: "PUT", path: "/api/labs/L/nodes/n1/config-file", body: { text: "save 60 1\n" } });
    expect(restRequestFor("L", { kind: "set-master", nodeId: "n2", masterId: "n1", persist: true })?.body).toEqual({ masterId: "n1", persist: true });
  });

  it("maps the write load onto its route", () => {
    expect(restRequestFor("L", { kind: "write-load", nodeId: "n1", opsPerSec: 10 })).toEqual({ method: "PUT", path: "/api/labs/L/nodes/n1/write-load", body: { opsPerSec: 10 } });
  });

  it("escapes ids in paths", () => {
    expect(restRequestFor("a/b", { kind: "kill", nodeId: "n 1" })?.path).toBe("/api/labs/a%2Fb/nodes/n%201/kill");
  });
});

describe("sendRest", () => {
  const respond = (status: number, body: string): typeof fetch => async () => new Response(body === "" ? null : body, { status });

  it("parses JSON answers", async () => {
    await expect(sendRest({ method: "GET", path: "/x" }, respond(200, '{"a":1}'))).resolves.toEqual({ a: 1 });
    await expect(sendRest({ method: "DELETE", path: "/x" }, respond(204, ""))).resolves.toBeNull();
  });

  it("turns an error body into a LabRequestError with the server's code", async () => {
    const error = await sendRest({ method: "GET", path: "/x" }, respond(404, '{"error":{"code":"lab-not-found","message":"no lab x"}}')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabRequestError);
    expect(error).toMatchObject({ code: "lab-not-found", message: "no lab x", status: 404 });
  });

  it("keeps the refused line of a config file", async () => {
    const body = '{"error":{"code":"bad-config-file","message":"redis.conf line 2: Bad directive","line":2}}';
    const error = await sendRest({ method: "PUT", path: "/x" }, respond(400, body)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bad-config-file", status: 400, line: 2 });
  });

  it("reports an unreachable server", async () => {
    const failing: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    await expect(sendRest({ method: "GET", path: "/x" }, failing)).rejects.toMatchObject({ code: "network" });
  });
});

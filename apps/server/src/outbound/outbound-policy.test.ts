import { describe, expect, it } from "vitest";
import { OutboundPolicy, parseOutboundAddress } from "./outbound-policy.ts";

describe("parseOutboundAddress", () => {
  it("splits host:port at the last colon (IPv6 hosts as REPLICAOF takes them, brackets allowed)", () => {
    expect(parseOutboundAddress("127.0.0.1:6379")).toEqual({ host: "127.0.0.1", port: 6379 });
    expect(parseOutboundAddress("::1:6380")).toEqual({ host: "::1", port: 6380 });
    expect(parseOutboundAddress("[::1]:6380")).toEqual({ host: "::1", port: 6380 });
    expect(parseOutboundAddress("redis.example.com:7000")).toEqual({ host: "redis.example.com", port: 7000 });
  });

  it("refuses what is not an address", () => {
    for (const bad of ["A", "n1", ":6379", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "host:12a", "bad host:6379", "-x:1"]) {
      expect(parseOutboundAddress(bad), bad).toBeNull();
    }
  });
});

describe("OutboundPolicy", () => {
  it("allows loopback only by default", async () => {
    const policy = new OutboundPolicy();
    expect(policy.check("127.0.0.1", 6379)).toEqual({ allowed: true, connectHost: "127.0.0.1" });
    expect(policy.check("127.8.9.10", 6379)?.allowed).toBe(true);
    expect(policy.check("::1", 6379)?.allowed).toBe(true);
    expect(policy.check("LocalHost", 6379)).toEqual({ allowed: true, connectHost: "LocalHost" });
    const refused = policy.check("10.0.0.1", 6379);
    expect(refused?.allowed).toBe(false);
    expect(refused && !refused.allowed ? refused.reason : "").toBe(
      "outbound connections to 10.0.0.1:6379 are not allowed by this server (allowed: 127.0.0.0/8, ::1, localhost)",
    );
    expect(policy.check("2001:db8::1", 6379)?.allowed).toBe(false);
  });

  it("takes addresses, CIDRs, names and *", () => {
    const policy = new OutboundPolicy(["10.1.0.0/16", "192.168.1.7", "fd00::/8", "redis.internal"]);
    expect(policy.check("10.1.200.3", 1)?.allowed).toBe(true);
    expect(policy.check("10.2.0.1", 1)?.allowed).toBe(false);
    expect(policy.check("192.168.1.7", 1)?.allowed).toBe(true);
    expect(policy.check("192.168.1.8", 1)?.allowed).toBe(false);
    expect(policy.check("fd12::5", 1)?.allowed).toBe(true);
    expect(policy.check("REDIS.internal", 1)?.allowed).toBe(true);
    expect(policy.check("127.0.0.1", 1)?.allowed).toBe(false);
    // A name that is not listed must be resolved first.
    expect(policy.check("other.internal", 1)).toBeNull();
    expect(new OutboundPolicy(["*"]).check("8.8.8.8", 53)?.allowed).toBe(true);
    expect(new OutboundPolicy([]).check("127.0.0.1", 6379)?.allowed).toBe(false);
    expect(() => new OutboundPolicy(["10.0.0.0/33"])).toThrow(/not a CIDR/);
  });

  it("resolves an unlisted name and checks (and connects to) the address it resolves to", async () => {
    const loopbackOnly = new OutboundPolicy(["127.0.0.0/8", "::1"]);
    const verdict = await loopbackOnly.verdict("localhost", 6379);
    expect(verdict.allowed).toBe(true);
    expect(verdict.allowed ? verdict.connectHost : "").toMatch(/^(127\.0\.0\.1|::1)$/);
    const none = new OutboundPolicy(["10.0.0.0/8"]);
    const refused = await none.verdict("localhost", 6379);
    expect(refused.allowed).toBe(false);
    const unknown = await none.verdict("no-such-host.invalid", 6379);
    expect(unknown.allowed ? "" : unknown.reason).toMatch(/^cannot resolve no-such-host\.invalid/);
  });

  it("defers to a function when given one", () => {
    const policy = new OutboundPolicy((host, port) => host === "10.0.0.5" && port === 6379);
    expect(policy.check("10.0.0.5", 6379)?.allowed).toBe(true);
    expect(policy.check("10.0.0.5", 6380)?.allowed).toBe(false);
    expect(policy.check("127.0.0.1", 6379)?.allowed).toBe(false);
  });
});

describe("OutboundPolicy and the server's own ports", () => {
  const own = (): number[] => [8080, 40001];

  it("refuses the server's ports on this machine's addresses whatever the list says, and only those", async () => {
    for (const allow of [undefined, ["*"], ["127.0.0.0/8"], (): boolean => true] as const) {
      const policy = new OutboundPolicy(allow, { ownPorts: own });
      for (const host of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0.0.0.0", "::"]) {
        const verdict = policy.check(host, 8080);
        expect(verdict?.allowed, `${host} ${String(allow)}`).toBe(false);
        expect(verdict && !verdict.allowed ? verdict.reason : "").toMatch(/it is a port of this Replica Lab server/);
      }
      expect(policy.check("127.0.0.1", 40001)?.allowed).toBe(false);
      expect(policy.check("127.0.0.1", 6379)?.allowed).toBe(true);
      // A name on one of those ports is resolved first: localhost is this machine.
      expect(policy.check("localhost", 8080)).toBeNull();
      const byName = await policy.verdict("localhost", 8080);
      expect(byName.allowed ? "" : byName.reason).toMatch(/^outbound connections to localhost:8080 \((127\.0\.0\.1|::1)\) are not allowed: it is a port of this Replica Lab server/);
    }
    // Another machine's 8080 is not the server's.
    expect(new OutboundPolicy(["10.0.0.0/8"], { ownPorts: own }).check("10.1.2.3", 8080)?.allowed).toBe(true);
  });

  it("reads the ports at each decision (nodes come and go)", () => {
    const ports = new Set<number>();
    const policy = new OutboundPolicy(undefined, { ownPorts: () => ports });
    expect(policy.check("127.0.0.1", 7000)?.allowed).toBe(true);
    ports.add(7000);
    expect(policy.check("127.0.0.1", 7000)?.allowed).toBe(false);
  });

  it("allows nothing by default while the server is exposed, and what the operator listed", async () => {
    let exposed = true;
    const byDefault = new OutboundPolicy(undefined, { exposed: () => exposed });
    const refused = byDefault.check("127.0.0.1", 6379);
    expect(refused && !refused.allowed ? refused.reason : "").toMatch(/allowed: only the lab's own nodes: the server is exposed beyond loopback/);
    expect(byDefault.check("localhost", 6379)?.allowed).toBe(false);
    expect((await byDefault.verdict("other.invalid", 6379)).allowed).toBe(false);
    exposed = false;
    expect(byDefault.check("127.0.0.1", 6379)?.allowed).toBe(true);
    exposed = true;
    const listed = new OutboundPolicy(["127.0.0.0/8"], { exposed: () => exposed });
    expect(listed.check("127.0.0.1", 6379)?.allowed).toBe(true);
  });
});

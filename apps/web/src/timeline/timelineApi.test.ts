import { describe, expect, it } from "vitest";
import { LabRequestError } from "../api/errors.ts";
import { makeLab, makeNode } from "../store/fixtures.ts";
import { exportFileName } from "./labFiles.ts";
import { branchesOf, forgetBranches, recordBranch, type KeyValueStore } from "./lineage.ts";
import { exportLab, fileNameOf, importLab, listLabs, parseMoment, parseSeries, parseTimeline } from "./timelineApi.ts";

describe("reading the server's answers", () => {
  it("takes a timeline, sorting its events and dropping malformed ones", () => {
    const timeline = parseTimeline({
      nowMs: 5000,
      inputCount: 12,
      events: [
        { seq: 2, timeMs: 300, kind: "full-resync", nodeId: "n1", source: "node" },
        { seq: 1, timeMs: 0, kind: "node-added", nodeId: null, source: "lab" },
        { seq: 3, kind: "role" },
        "junk",
      ],
      checkpoints: [{ timeMs: 0, inputIndex: 0 }, { timeMs: "x" }],
      parent: null,
    });
    expect(timeline.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(timeline.events[0]).toEqual({ seq: 1, timeMs: 0, kind: "node-added", nodeId: null, source: "lab" });
    expect(timeline.checkpoints).toEqual([{ timeMs: 0, inputIndex: 0 }]);
    expect(timeline.parent).toBeNull();
    expect(parseTimeline({ nowMs: 1, events: [], parent: { labId: "P", atMs: 700 } }).parent).toEqual({ labId: "P", atMs: 700 });
  });

  it("refuses answers that are not what the contract says, as bad-response failures", () => {
    for (const body of [null, [], { events: [] }, { nowMs: 1 }]) {
      expect(() => parseTimeline(body)).toThrow(LabRequestError);
    }
    expect(() => parseMoment({ timeMs: 1, snapshot: { id: "L" } })).toThrow(/snapshot is not a lab/);
    expect(() => parseSeries({ timeMs: [0, 1], nodes: { n1: [1] } })).toThrow(/wrong length/);
    try {
      parseTimeline("nope");
    } catch (error) {
      expect((error as LabRequestError).code).toBe("bad-response");
    }
  });

  it("takes a moment with its snapshot, events and optional INFO", () => {
    const lab = makeLab([makeNode("n1", {})]);
    const moment = parseMoment({ timeMs: 1200, snapshot: lab, events: [], info: { n1: "# Replication\r\nrole:master\r\n", n2: 5 } });
    expect(moment.timeMs).toBe(1200);
    expect(moment.snapshot.id).toBe("lab1");
    expect(moment.info).toEqual({ n1: "# Replication\r\nrole:master\r\n" });
    expect(parseMoment({ snapshot: lab }).timeMs).toBe(lab.clock.timeMs);
    expect(parseMoment({ snapshot: lab }).info).toBeNull();
  });

  it("takes a series, with gaps as null", () => {
    expect(parseSeries({ timeMs: [0, 100], nodes: { n1: [0, null], n2: [5, "x"] } })).toEqual({ timeMs: [0, 100], nodes: { n1: [0, null], n2: [5, null] } });
  });
});

function answering(status: number, body: string, headers: Record<string, string> = {}) {
  const sent: { path: string; body: unknown }[] = [];
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) => {
    sent.push({ path: String(input), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
    return Promise.resolve(new Response(body, { status, headers }));
  }) as typeof fetch;
  return { fetchImpl, sent };
}

describe("the lab list", () => {
  it("reads the server's { labs } answer, skipping entries without an id", async () => {
    const { fetchImpl, sent } = answering(200, JSON.stringify({ labs: [{ id: "a", name: "A", seed: "1", nodeCount: 3, createdAt: "" }, { name: "no id" }] }));
    expect((await listLabs(fetchImpl)).map((l) => l.id)).toEqual(["a"]);
    expect(sent[0]?.path).toBe("/api/labs");
    await expect(listLabs(answering(200, "{}").fetchImpl)).rejects.toMatchObject({ code: "bad-response" });
  });
});

describe("lab files", () => {
  it("exports the server's bytes as they are, under the name it suggests", async () => {
    const text = '{"format":"replica-lab","version":1}\n';
    const { fetchImpl, sent } = answering(200, text, { "content-disposition": 'attachment; filename="demo.replica-lab.json"' });
    expect(await exportLab("L 1", "fallback.json", fetchImpl)).toEqual({ text, fileName: "demo.replica-lab.json" });
    expect(sent[0]?.path).toBe("/api/labs/L%201/export");
    expect((await exportLab("L", "fallback.json", answering(200, text).fetchImpl)).fileName).toBe("fallback.json");
  });

  it("reads the file name of a Content-Disposition, encoded or plain", () => {
    expect(fileNameOf("attachment; filename*=UTF-8''%E5%AE%9E%E9%AA%8C.json")).toBe("实验.json");
    expect(fileNameOf("attachment; filename=a.json")).toBe("a.json");
    expect(fileNameOf("attachment")).toBeNull();
    expect(fileNameOf(null)).toBeNull();
  });

  it("turns an export the server refuses into its error", async () => {
    const { fetchImpl } = answering(404, JSON.stringify({ error: { code: "unknown-lab", message: "no lab L" } }));
    await expect(exportLab("L", "x", fetchImpl)).rejects.toMatchObject({ code: "unknown-lab", message: "no lab L", status: 404 });
  });

  it("imports a JSON file as an object, and anything else as its text for the server to judge", async () => {
    const created = JSON.stringify(makeLab([], [], { id: "new" }));
    const ok = answering(201, created);
    expect((await importLab('{"format":"replica-lab"}', ok.fetchImpl)).id).toBe("new");
    expect(ok.sent[0]).toEqual({ path: "/api/labs", body: { import: { format: "replica-lab" } } });
    const truncated = answering(400, JSON.stringify({ error: { code: "bad-import", message: "the file ends inside its log (line 3)" } }));
    await expect(importLab('{"format":"replica-la', truncated.fetchImpl)).rejects.toMatchObject({ code: "bad-import", message: "the file ends inside its log (line 3)", status: 400 });
    expect(truncated.sent[0]?.body).toEqual({ import: '{"format":"replica-la' });
  });

  it("names an exported file after the lab", () => {
    expect(exportFileName("Failover demo", "L1")).toBe("Failover-demo.replica-lab.json");
    expect(exportFileName("主从复制", "L1")).toBe("L1.replica-lab.json");
    expect(exportFileName("", "L1")).toBe("L1.replica-lab.json");
  });
});

describe("branches remembered in this browser", () => {
  const storage = (): KeyValueStore => {
    const map = new Map<string, string>();
    return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
  };

  it("lists a lab's branches newest first, once each, and forgets deleted ones", () => {
    const s = storage();
    recordBranch({ labId: "P", atMs: 100 }, "B1", s);
    recordBranch({ labId: "P", atMs: 900 }, "B2", s);
    recordBranch({ labId: "P", atMs: 100 }, "B1", s);
    expect(branchesOf("P", s)).toEqual([
      { labId: "B1", atMs: 100 },
      { labId: "B2", atMs: 900 },
    ]);
    forgetBranches("P", new Set(["B1"]), s);
    expect(branchesOf("P", s)).toEqual([{ labId: "B2", atMs: 900 }]);
    expect(branchesOf("other", s)).toEqual([]);
  });

  it("shrugs off what it cannot read", () => {
    const s = storage();
    s.setItem("replica-lab:branches:P", "not json");
    expect(branchesOf("P", s)).toEqual([]);
    s.setItem("replica-lab:branches:P", JSON.stringify([{ labId: 3 }, { labId: "ok", atMs: 1 }]));
    expect(branchesOf("P", s)).toEqual([{ labId: "ok", atMs: 1 }]);
    expect(branchesOf("P", null)).toEqual([]);
  });
});

/**
 * The pure parts of the lessons UI: narration (code runs, address placeholders), check wording in
 * both languages, the backlog rule, the glossary's lesson links, the countdowns, the restart risk
 * and the URL of a lesson lab.
 */
import { describe, expect, it } from "vitest";
import type { LessonCheck, LessonSummary } from "@replica-lab/protocol";
import { i18n } from "../i18n/i18n.ts";
import { makeEvent, makeLab, makeNode, snapshotMessage } from "../store/fixtures.ts";
import { emptyLabData, reduceLabMessages, type LabData } from "../store/labData.ts";
import { backlogSize } from "./backlogRule.ts";
import { checkText } from "./checkText.ts";
import { lessonFor } from "./lessonFor.ts";
import { urlForLab } from "./lessonStore.ts";
import { codeRuns, fillPlaceholders } from "./narration.ts";
import { restartRisk } from "./restartRisk.ts";
import { waitNotes } from "./waits.ts";

describe("narration", () => {
  it("fills node addresses and leaves unknown names as written", () => {
    const nodes = [{ name: "A", address: "127.0.0.1:41234" }];
    expect(fillPlaceholders("SLAVEOF {{A.host}} {{A.port}} ({{A.address}}) {{Z.port}}", nodes)).toBe("SLAVEOF 127.0.0.1 41234 (127.0.0.1:41234) {{Z.port}}");
  });

  it("splits code runs, an unpaired backtick staying text", () => {
    expect(codeRuns("type `SET k v` in A")).toEqual([
      { code: false, text: "type " },
      { code: true, text: "SET k v" },
      { code: false, text: " in A" },
    ]);
    expect(codeRuns("a `b")).toEqual([{ code: false, text: "a `b" }]);
  });
});

describe("check wording", () => {
  const checks: LessonCheck[] = [
    { kind: "field", node: "B", field: "master_link_status", compare: { kind: "equals", value: "up" } },
    { kind: "field", node: "B", field: "master_repl_offset", compare: { kind: "sameAs", ref: { node: "A" } } },
    { kind: "event", event: "partial-resync", node: "A", side: "master", peer: "B", absent: false, atLeast: 1, since: "step" },
    { kind: "event", event: "full-resync", absent: true, atLeast: 1, since: "step" },
    { kind: "key", node: "B", key: "k5", db: 0, exists: false },
    { kind: "typed", node: "B", command: "SET" },
    { kind: "same-data", node: "C", as: "A", label: { en: "C caught up", zh: "C 追上了" } },
  ];

  it("says each kind of check in English and in Chinese", () => {
    const en = i18n.getFixedT("en");
    const zh = i18n.getFixedT("zh");
    expect(checks.map((c) => checkText(c, en, "en"))).toEqual([
      "B: master_link_status = up",
      "B: master_repl_offset = A's master_repl_offset",
      "A reported partial resync, master side, with B",
      "no full resync since this step began",
      "B has no key k5",
      "SET typed in B's console",
      "C caught up",
    ]);
    expect(checks.map((c) => checkText(c, zh, "zh"))).toEqual([
      "B：master_link_status = up",
      "B：master_repl_offset = A 的 master_repl_offset",
      "A 报告了 部分重同步，master 一侧，对端 B",
      "这一步开始后没有 全量复制",
      "B 没有键 k5",
      "在 B 的控制台输入了 SET",
      "C 追上了",
    ]);
  });
});

describe("the backlog rule", () => {
  it("is 2 × seconds × bytes per second", () => {
    expect(backlogSize(60, 1000)).toBe(120_000);
    expect(backlogSize(-1, 1000)).toBe(0);
  });
});

describe("glossary links", () => {
  const summary = (id: string, order: number, available: boolean, terms: LessonSummary["terms"]): LessonSummary => ({
    id,
    order,
    title: { en: id, zh: id },
    summary: { en: id, zh: id },
    kinds: ["7.0"],
    available,
    missingKinds: available ? [] : ["2.6"],
    stepCount: 1,
    sources: [],
    terms,
  });

  it("go to the first available lesson that shows the term", () => {
    const catalogue = [summary("legacy", 1, false, [{ term: "offset", step: "x" }]), summary("backlog", 4, true, [{ term: "offset", step: "intro" }])];
    expect(lessonFor("offset", catalogue)?.id).toBe("backlog");
    expect(lessonFor("binlog_seq", catalogue)).toBeNull();
  });
});

function labOf(nodes: Parameters<typeof makeLab>[0], events: Parameters<typeof snapshotMessage>[1] = [], timeMs = 0): LabData {
  const lab = makeLab(nodes);
  return reduceLabMessages(emptyLabData("lab1"), [snapshotMessage({ ...lab, clock: { ...lab.clock, timeMs } }, events)]);
}

describe("countdowns", () => {
  const master = makeNode("n1", {
    name: "A",
    replicas: [{ address: "127.0.0.1:6380", state: "wait_bgsave", ackOffset: 0, lagSec: 0, awaitingFirstAck: false, nodeId: null }],
  });
  const waiting = makeEvent(5, { nodeId: master.id, timeMs: 1000, kind: "replica-state", detail: { kind: "replica-state", peer: "127.0.0.1:6380", state: "wait_bgsave", message: "waits" } });

  it("count the diskless-sync delay down from when the replica began to wait", () => {
    expect(waitNotes(master, [waiting], 3200)).toEqual([{ kind: "diskless-delay", seconds: 3, delay: 5 }]);
    expect(waitNotes(master, [waiting], 6500)).toEqual([{ kind: "diskless-delay", seconds: 0, delay: 5 }]);
    // Disk-based syncs and a zero delay do not wait.
    expect(waitNotes({ ...master, config: { ...master.config, replDisklessSync: false } }, [waiting], 3200)).toEqual([]);
  });

  it("count a silent master towards repl-timeout, once it missed a ping", () => {
    const replica = makeNode("n2", { name: "B", role: "replica", linkUp: true, masterLastIoSecAgo: 25 });
    expect(waitNotes(replica, [], 0)).toEqual([{ kind: "repl-timeout", seconds: 35, silent: 25, timeout: 60 }]);
    expect(waitNotes({ ...replica, masterLastIoSecAgo: 3 }, [], 0)).toEqual([]);
  });
});

describe("the restart risk", () => {
  const a = makeNode("n1", { name: "A", keys: 10, dirty: 3 });
  const b = makeNode("n2", { name: "B", role: "replica", masterId: a.id, keys: 10 });

  it("warns for a running master with unsaved changes, and for a wiped disk", () => {
    expect(restartRisk(labOf([a, b]), a.id, false, 3)).toMatchObject({ kind: "unsaved", dirty: 3, name: "A", replicas: ["B"], replicaKeys: 10 });
    expect(restartRisk(labOf([{ ...a, dirty: 0 }, b]), a.id, true, 0)).toMatchObject({ kind: "wiped" });
  });

  it("does not warn when everything is saved, without replicas, or when the file makes it a replica", () => {
    expect(restartRisk(labOf([{ ...a, dirty: 0 }, b]), a.id, false, 0)).toBeNull();
    expect(restartRisk(labOf([a]), a.id, false, 3)).toBeNull();
    expect(restartRisk(labOf([{ ...a, configFile: "replicaof 127.0.0.1 6390\n" }, b]), a.id, false, 3)).toBeNull();
  });

  it("warns for a master killed with unsaved changes, not for one shut down with a save", () => {
    const down = { ...a, status: "down" as const, dirty: 0 };
    const killed = makeEvent(9, { nodeId: a.id, kind: "killed", source: "lab", detail: { kind: "killed", message: "killed" } });
    expect(restartRisk(labOf([down, b], [killed]), a.id, false, 3)).toMatchObject({ kind: "lost" });
    const saved = makeEvent(8, { nodeId: a.id, kind: "persistence", detail: { kind: "persistence", action: "save", keys: 10, file: "dump.rdb", message: "saved" } });
    const exited = makeEvent(9, { nodeId: a.id, kind: "exited", source: "lab", detail: { kind: "exited", message: "exited" } });
    expect(restartRisk(labOf([down, b], [saved, exited]), a.id, false, 3)).toBeNull();
  });
});

describe("a lesson lab's URL", () => {
  it("keeps the language and drops a moment", () => {
    expect(urlForLab("http://127.0.0.1:8080/?lab=old&t=1200&lang=zh#x", "new")).toBe("http://127.0.0.1:8080/?lab=new&lang=zh");
  });
});

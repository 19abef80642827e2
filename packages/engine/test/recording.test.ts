/**
 * Recordings (`replica-lab/1`): a lab written to a JSON file and read back rebuilds the same lab at
 * every logged step, and a file that is not a whole, well-formed recording is refused with the
 * path of the first bad field. `RECORDING_SEEDS=<count>` runs more random labs.
 */
import { describe, expect, it } from "vitest";
import { Lab, Prng, decodeRecording, encodeRecording, type LabInput, type Recording } from "../src/index.ts";
import { decodeBase64, encodeBase64 } from "../src/lab/base64.ts";
import { drive, fingerprint, randomLab } from "./random-lab.ts";

const SEEDS = Number(process.env.RECORDING_SEEDS ?? 200);

/** What a file holds after a trip through text, as an upload would bring it. */
function throughText(recording: Recording): unknown {
  return JSON.parse(JSON.stringify(encodeRecording(recording))) as unknown;
}

function recordingOf(lab: Lab, name = "lab"): Recording {
  return { name, origin: lab.creation, inputs: lab.inputs.toArray(), endMs: lab.nowMs };
}

describe("base64", () => {
  it("round-trips every length and byte, and matches the standard alphabet", () => {
    const rng = Prng.fromSeed("base64");
    for (let length = 0; length < 300; length++) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = rng.int(256);
      const text = encodeBase64(bytes);
      expect(text.length % 4).toBe(0);
      expect(decodeBase64(text)).toEqual(bytes);
    }
    // RFC 4648 section 10.
    const vectors: [string, string][] = [["", ""], ["f", "Zg=="], ["fo", "Zm8="], ["foo", "Zm9v"], ["foob", "Zm9vYg=="], ["fooba", "Zm9vYmE="], ["foobar", "Zm9vYmFy"]];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(decodeBase64(encoded)!)).toBe(plain);
    }
    expect(encodeBase64(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("+//+");
  });

  it("refuses what is not canonical padded base64", () => {
    for (const bad of ["Zg", "Zg=", "Z===", "Zh==", "Zm9=", "Zm 9", "Zm9v!A==", "=Zm9", "Zg==Zg==", "Zm9vé===" ]) expect(decodeBase64(bad), bad).toBeNull();
  });
});

describe("recordings: a lab exported and imported is the same lab at every step", () => {
  it(`rebuilds ${SEEDS} random labs identically after every input`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const original = randomLab(seed);
      const seen: string[] = [];
      const unsubscribe = original.inputs.subscribe(() => seen.push(fingerprint(original)));
      // Half the labs with time passing often, so that replicas sync and stream.
      drive(seed, original, seed % 2 === 0 ? { timeShare: 0.3, aggregateShare: 0.2 } : {});
      unsubscribe();
      const decoded = decodeRecording(throughText(recordingOf(original, `seed ${seed}`)));
      if (!decoded.ok) throw new Error(`seed ${seed}: ${decoded.error}`);
      expect(decoded.recording.origin).toEqual(original.creation);
      expect(decoded.recording.endMs).toBe(original.nowMs);
      const replay = Lab.replayer(decoded.recording.origin, decoded.recording.inputs);
      for (let i = 0; i < seen.length; i++) {
        replay.next();
        if (fingerprint(replay.lab) !== seen[i]) throw new Error(`seed ${seed}: the imported lab differs after input ${i} (${decoded.recording.inputs[i]!.op})`);
      }
      expect(replay.position).toBe(decoded.recording.inputs.length);
    }
  }, 600_000);

  it("keeps a seed given as text apart from the same digits as a number, the layout and the parent", () => {
    for (const seed of [7, "7"]) {
      const lab = new Lab({ seed, epochMs: 1_700_000_000_000 });
      lab.addNode();
      lab.advance(100);
      const decoded = decodeRecording(throughText({ ...recordingOf(lab), layout: { n1: { x: 10.5, y: -3 } }, parent: { labId: "abc123", atMs: 50 } }));
      expect(decoded.ok && decoded.recording.origin.seed).toBe(seed);
      expect(decoded.ok && decoded.recording.layout).toEqual({ n1: { x: 10.5, y: -3 } });
      expect(decoded.ok && decoded.recording.parent).toEqual({ labId: "abc123", atMs: 50 });
    }
  });

  it("writes an unlimited bandwidth as \"Infinity\" and reads it back", () => {
    const lab = new Lab({ seed: 1, defaultLink: { latencyMs: 0, bandwidthBytesPerSec: Infinity, partitioned: false } });
    const a = lab.addNode().id;
    const b = lab.addNode().id;
    lab.setLink(a, b, { bandwidthBytesPerSec: Infinity });
    const file = encodeRecording(recordingOf(lab)) as { origin: { defaultLink: { bandwidthBytesPerSec: unknown } } };
    expect(file.origin.defaultLink.bandwidthBytesPerSec).toBe("Infinity");
    const decoded = decodeRecording(JSON.parse(JSON.stringify(file)));
    expect(decoded.ok && decoded.recording.origin.defaultLink.bandwidthBytesPerSec).toBe(Infinity);
    expect(decoded.ok && (decoded.recording.inputs.find((i) => i.op === "set-link") as Extract<LabInput, { op: "set-link" }>).patch.bandwidthBytesPerSec).toBe(Infinity);
  });
});

describe("recordings: a bad or truncated file is refused with the first bad field", () => {
  const lab = randomLab(11);
  drive(11, lab, { actions: 25, timeShare: 0.3 });
  const good = JSON.stringify(encodeRecording(recordingOf(lab)));
  const edit = (change: (file: Record<string, unknown>) => void): unknown => {
    const file = JSON.parse(good) as Record<string, unknown>;
    change(file);
    return file;
  };
  const inputs = (file: Record<string, unknown>): Record<string, unknown>[] => file.inputs as Record<string, unknown>[];
  const cases: [string, unknown, RegExp][] = [
    ["not an object", [], /^file: must be an object/],
    ["null", null, /^file: must be an object/],
    ["another format", edit((f) => (f.format = "replica-lab/2")), /^file\.format: "replica-lab\/2" is not a format/],
    ["no inputs", edit((f) => delete f.inputs), /^file: missing field "inputs"/],
    ["cut short", edit((f) => inputs(f).splice(-3)), /^file\.inputs: holds \d+ inputs, the file says \d+ \(cut short\?\)/],
    ["cut short, count edited", edit((f) => { inputs(f).splice(-3); f.inputCount = inputs(f).length; }), /^file\.checksum: does not match/],
    ["a value changed", edit((f) => (inputs(f)[2]!.t = (inputs(f)[2]!.t as number) + 0.5)), /^file\.(checksum: does not match|inputs\[\d+\]\.t: goes back)/],
    ["an unknown op", edit((f) => (inputs(f)[0]!.op = "teleport")), /^file\.inputs\[0\]\.op: unknown input "teleport"/],
    ["an unknown field", edit((f) => (inputs(f)[0]!.extra = 1)), /^file\.inputs\[0\]: unknown field "extra"/],
    ["bad base64", edit((f) => { const cmd = inputs(f).find((i) => i.op === "command")!; (cmd.argv as string[])[0] = "!!!!"; }), /\.argv\[0\]: must be standard padded base64/],
    ["a bad node id", edit((f) => (inputs(f).find((i) => i.op === "command")!.node = "A")), /\.node: "A" is not a node id/],
    ["a negative time", edit((f) => (inputs(f)[0]!.t = -1)), /^file\.inputs\[0\]\.t: must be at least 0/],
    ["a string seed too long", edit((f) => ((f.origin as Record<string, unknown>).seed = "x".repeat(300))), /^file\.origin\.seed: longer than 256/],
    ["a bad version", edit((f) => (inputs(f)[0]!.version = "9.9")), /^file\.inputs\[0\]\.version: "9\.9" is not a node version/],
    ["a bad layout", edit((f) => (f.layout = { n1: { x: "left", y: 0 } })), /^file\.layout\.n1\.x: must be a finite number/],
    ["endMs before the last input", edit((f) => (f.endMs = 0)), /^file\.endMs: is before the last input/],
  ];
  for (const [what, file, error] of cases) {
    it(what, () => {
      const decoded = decodeRecording(file);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.error).toMatch(error);
    });
  }

  it("reads the good file (the cases above differ from it in one thing each)", () => {
    expect(decodeRecording(JSON.parse(good)).ok).toBe(true);
  });
});

/**
 * Test support for the security tests: HTTP requests and WebSocket upgrades on real sockets with
 * exactly the headers given (no client adds an Origin or a cookie of its own), and the error code
 * of an answer.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { expect } from "vitest";
import WebSocket from "ws";
import type { ServerMessage } from "@replica-lab/protocol";
import { waitFor } from "../testing/helpers.ts";

/** An HTTP answer as read off the socket. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One HTTP request on a real socket, with exactly the headers given (plus Host unless set). */
export function send(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) }, setHost: headers.host === undefined },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Bytes written as they are on a raw TCP socket; resolves with everything read until close. */
export function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("close", () => resolve(text));
    socket.on("error", () => undefined);
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** The `{ error: { code } }` of an answer (throws if the body does not have that shape). */
export function codeOf(answer: { readonly text: string }): string {
  const body = JSON.parse(answer.text.slice(answer.text.indexOf("{"))) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.message).toBe("string");
  return String(body.error?.code);
}

/** A WebSocket upgrade's outcome: opened (with its first message) or refused (with the HTTP answer). */
export type WsOutcome = { readonly kind: "open"; readonly first: ServerMessage } | { readonly kind: "refused"; readonly status: number; readonly text: string };

/** Opens a real WebSocket with these headers: its first message, or the HTTP answer that refused it. */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("message", (data: Buffer) => {
      resolve({ kind: "open", first: JSON.parse(data.toString("utf8")) as ServerMessage });
      socket.close();
    });
    socket.once("unexpected-response", (req, res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        resolve({ kind: "refused", status: res.statusCode ?? 0, text });
        req.destroy();
      });
    });
    socket.once("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** The answer to one stream operation, and whether the stream opened with its snapshot. */
export interface StreamCommandOutcome {
  readonly snapshot: boolean;
  readonly result: Extract<ServerMessage, { type: "op-result" }>;
}

/** Opens a lab's stream with these headers, waits for its snapshot, and runs one command on node A over it. */
export async function streamCommand(wsUrl: string, labId: string, headers: Record<string, string>, argv: readonly string[]): Promise<StreamCommandOutcome> {
  const socket = new WebSocket(`${wsUrl}/api/labs/${labId}/stream`, { headers });
  const messages: ServerMessage[] = [];
  socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString("utf8")) as ServerMessage));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    // Generous: CI is a loaded two-core machine.
    await waitFor(() => messages.some((m) => m.type === "snapshot"), 30_000, "snapshot");
    socket.send(JSON.stringify({ type: "op", requestId: "r1", op: { kind: "command", nodeId: "A", argv } }));
    await waitFor(() => messages.some((m) => m.type === "op-result"), 30_000, "op-result");
    const result = messages.find((m): m is Extract<ServerMessage, { type: "op-result" }> => m.type === "op-result")!;
    return { snapshot: messages[0]?.type === "snapshot", result };
  } finally {
    socket.close();
  }
}

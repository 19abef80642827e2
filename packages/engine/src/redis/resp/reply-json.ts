/**
 * A JSON-safe form of {@link Reply} for the HTTP API and the web app, which cannot carry raw bytes.
 */

import { binaryToBytes, bytesToBinary, fromUtf8 } from "../../util/bytes.ts";
import type { Reply } from "./reply.ts";

/**
 * A reply as JSON. `type` names the RESP2 type; `value` is `null` for the null bulk and null array.
 *
 * A bulk string's bytes cannot always be a JSON string, so a non-null bulk says how `value` holds them:
 * `encoding: "utf8"` when the bytes are valid UTF-8 (`value` is that text, and encoding it as UTF-8
 * gives back exactly the bytes), `encoding: "base64"` otherwise (`value` is the standard base64 of the
 * bytes). Simple strings and errors are status text and are always decoded as UTF-8.
 */
export type JsonReply =
  | { readonly type: "simple"; readonly value: string }
  | { readonly type: "error"; readonly value: string }
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "bulk"; readonly value: string; readonly encoding: "utf8" | "base64" }
  | { readonly type: "bulk"; readonly value: null }
  | { readonly type: "array"; readonly value: readonly JsonReply[] | null };

// ignoreBOM keeps a leading U+FEFF in the text; by default the decoder would drop it and lose bytes.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Converts a reply to its {@link JsonReply} form. */
export function replyToJson(reply: Reply): JsonReply {
  switch (reply.kind) {
    case "simple":
      return { type: "simple", value: fromUtf8(binaryToBytes(reply.value)) };
    case "error":
      return { type: "error", value: fromUtf8(binaryToBytes(reply.message)) };
    case "integer":
      return { type: "integer", value: reply.value };
    case "bulk": {
      const bytes = reply.value;
      if (bytes === null) return { type: "bulk", value: null };
      const text = strictUtf8Text(bytes);
      return text === null
        ? { type: "bulk", value: btoa(bytesToBinary(bytes)), encoding: "base64" }
        : { type: "bulk", value: text, encoding: "utf8" };
    }
    case "array":
      return { type: "array", value: reply.items === null ? null : reply.items.map(replyToJson) };
  }
}

function strictUtf8Text(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

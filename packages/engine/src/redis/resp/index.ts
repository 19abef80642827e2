/**
 * RESP2: encoding commands and replies, parsing requests (server side) and replies (client side), and
 * presenting replies as redis-cli does and as JSON.
 */

export type { Reply } from "./reply.ts";
export {
  encodeCommand,
  encodeCommandStrings,
  encodeReply,
  writeArrayHeader,
  writeBulk,
  writeBulkString,
  writeCommand,
  writeError,
  writeInteger,
  writeNullArray,
  writeNullBulk,
  writeReply,
  writeSimple,
} from "./encode.ts";
export {
  DEFAULT_PROTO_MAX_BULK_LEN,
  PROTO_INLINE_MAX_SIZE,
  RequestParser,
  type ParsedRequest,
  type RequestParserOptions,
} from "./request-parser.ts";
export { readInlineArgs } from "./inline-args.ts";
export { parseLongLong } from "./decimal.ts";
export { ReplyParser, parseAllReplies, type ReplyProtocolError } from "./reply-parser.ts";
export { formatReplyForCli } from "./cli-format.ts";
export { replyToJson, type JsonReply } from "./reply-json.ts";
export { reprBytes } from "./repr.ts";

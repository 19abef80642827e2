/**
 * `GET /api/labs/:lab/stream`: the WebSocket route. An unknown lab is refused before the upgrade
 * with the usual 404 body; a deleted lab's clients get `lab-deleted` and close code 4004.
 */
import websocket from "@fastify/websocket";
import type { Ajv } from "ajv";
import type { FastifyPluginAsync } from "fastify";
import { STREAM_CLOSE_CODES } from "@replica-lab/protocol";
import { ApiFailure } from "../http/errors.ts";
import type { RoutesOptions } from "../http/lab-routes.ts";
import { params, clientMessageSchema } from "../http/schemas.ts";
import type { LabRuntime } from "../labs/lab-runtime.ts";
import { LabFeed, type FeedOptions } from "./lab-feed.ts";
import { StreamClient } from "./stream-client.ts";
import { streamGate } from "../classroom/classroom-guard.ts";
import type { ClassroomService } from "../classroom/classroom-service.ts";

export interface StreamOptions extends RoutesOptions {
  readonly feed: FeedOptions;
  /** The strict validator REST bodies use, so messages are checked by the same rules. */
  readonly ajv: Ajv;
  /** Classroom sessions: a follower's socket may watch the lab, not change it. */
  readonly classroom?: ClassroomService;
}

export const streamPlugin: FastifyPluginAsync<StreamOptions> = async (app, { registry, feed: feedOptions, ajv, classroom }) => {
  const limits = registry.limits;
  // Twice the limit: messages in between are answered `message-too-large`, larger frames are
  // refused by ws with close code 1009 before they are buffered.
  await app.register(websocket, { options: { maxPayload: limits.maxMessageBytes * 2 } });
  const validate = ajv.compile(clientMessageSchema(limits));
  const feeds = new Map<LabRuntime, LabFeed>();

  const feedOf = (runtime: LabRuntime): LabFeed => {
    let feed = feeds.get(runtime);
    if (!feed) {
      feed = new LabFeed(runtime, feedOptions);
      feeds.set(runtime, feed);
    }
    return feed;
  };

  const unsubscribe = registry.onDeleted((runtime) => {
    const feed = feeds.get(runtime);
    if (!feed) return;
    feeds.delete(runtime);
    feed.broadcast({ type: "lab-deleted" });
    feed.close();
  });

  app.addHook("onClose", async () => {
    unsubscribe();
    for (const feed of feeds.values()) feed.close();
  });

  app.route<{ Params: { lab: string } }>({
    method: "GET",
    url: "/labs/:lab/stream",
    // `handler` answers plain HTTP requests, `wsHandler` upgraded ones.
    schema: { params: params.lab },
    // Before the upgrade: an unknown lab is a plain 404 with the usual body.
    preValidation: async (request) => {
      registry.get(request.params.lab);
    },
    handler: async () => {
      throw new ApiFailure("upgrade-required", "this route speaks WebSocket only: connect with a WebSocket client");
    },
    wsHandler: (socket, request) => {
      const runtime = registry.get(request.params.lab);
      const feed = feedOf(runtime);
      new StreamClient(socket, feed, validate, limits, classroom ? streamGate(classroom, runtime.id, request) : undefined);
      const stopWatching = registry.onDeleted((deleted) => {
        if (deleted === runtime) socket.close(STREAM_CLOSE_CODES.labDeleted, "lab deleted");
      });
      socket.on("close", stopWatching);
    },
  });
};

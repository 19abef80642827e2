/**
 * `buildApp(options)`: the whole server as a Fastify instance that has not listened yet, so tests
 * drive it with `inject()` and a real WebSocket client on an OS-assigned port. `main.ts` listens.
 *
 * Each concern is a plugin: lab and node routes under `/api`, the stream under `/api`, and the web
 * app's static files at `/`. They share one `LabRegistry`, passed in as a plugin option. In front
 * of them all, the request guard (`security/request-guard.ts`) checks Host, Origin and, when the
 * server is exposed beyond loopback, the operator secret.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { clientErrorHandler, frameworkErrors, installErrorHandling } from "./http/error-handler.ts";
import { labRoutes } from "./http/lab-routes.ts";
import { nodeRoutes } from "./http/node-routes.ts";
import { createValidators } from "./http/validation.ts";
import { installWebApp } from "./http/web-app.ts";
import { LabRegistry } from "./labs/lab-registry.ts";
import { DEFAULT_TIMELINE, type TimelineOptions } from "./labs/lab-timeline.ts";
import { TimelineService } from "./labs/timeline-service.ts";
import { timelineRoutes } from "./http/timeline-routes.ts";
import { sequenceRoutes } from "./http/sequence-routes.ts";
import { SequenceService } from "./labs/sequence-service.ts";
import type { ComparePoolOptions } from "./labs/compare-worker-pool.ts";
import type { SequencePoolOptions } from "./labs/sequence-worker-pool.ts";
import { DEFAULT_PERSISTENCE, LabPersistence, type PersistenceOptions } from "./storage/lab-persistence.ts";
import type { LabStore } from "./storage/lab-store.ts";
import { LessonCatalogue } from "./lessons/lesson-catalogue.ts";
import { lessonRoutes } from "./lessons/lesson-routes.ts";
import { LessonService } from "./lessons/lesson-service.ts";
import { DEFAULT_TIMING, type RuntimeTiming } from "./labs/lab-runtime.ts";
import { DEFAULT_EXTERNAL_WATCH, type ExternalWatchOptions } from "./external/external-watch.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.ts";
import { OutboundPolicy, type OutboundAllow } from "./outbound/outbound-policy.ts";
import { Access, type AccessOptions } from "./security/access.ts";
import { installRequestGuard } from "./security/request-guard.ts";
import type { ListeningAddress } from "./security/served-hosts.ts";
import { DEFAULT_FEED_OPTIONS, type FeedOptions } from "./stream/lab-feed.ts";
import { streamPlugin } from "./stream/stream-plugin.ts";
import { ClassroomService } from "./classroom/classroom-service.ts";
import { installClassroomGuard } from "./classroom/classroom-guard.ts";
import { classroomRoutes } from "./classroom/classroom-routes.ts";

export interface AppOptions {
  /** How labs keep their history: checkpoint interval and memory, offset samples (`labs/lab-timeline.ts`). */
  readonly timeline?: Partial<TimelineOptions>;
  /** The store labs are kept in across restarts (`LabStore.open(dataDir)`); none: labs live as long as the process. */
  readonly store?: LabStore;
  /** How often labs are written to the store. */
  readonly persistence?: Partial<PersistenceOptions>;
  /** Wall ms an imported lab's log may take to replay (default 120 s). */
  readonly importDeadlineMs?: number;
  readonly limits?: Partial<ServerLimits>;
  readonly timing?: Partial<RuntimeTiming>;
  readonly feed?: Partial<FeedOptions>;
  /** Where node RESP ports listen (default 127.0.0.1). */
  readonly respHost?: string;
  /** The web app's build directory, or null (default) to serve only the API. */
  readonly webRoot?: string | null;
  /** Fastify's logger setting (default off). */
  readonly logger?: boolean | { readonly level: string };
  /** Bytes of memory in use, for the memory limit (default: the V8 heap). */
  readonly memoryProbe?: () => number;
  /**
   * Outside servers lab nodes may replicate from and the server may poll for the canvas: hosts,
   * addresses and CIDRs (`*` for any), or a function. Default: loopback only (127.0.0.0/8, ::1,
   * localhost), and nothing while the server is exposed. Anything else is refused with a reason the
   * node's event log shows. The server's own ports are refused whatever this says.
   */
  readonly allowOutbound?: OutboundAllow;
  /** Host and Origin checks, and the secret required when exposed (`security/access.ts`). */
  readonly access?: AccessOptions;
  /** Polling of external servers for the canvas (interval, answer timeout, how many per lab). */
  readonly externalWatch?: Partial<ExternalWatchOptions>;
  /** The lessons offered (default: the repository's `lessons/` folder, read at start). */
  readonly lessons?: LessonCatalogue;
  /** The comparison's worker thread: queue bounds, cache size (`labs/compare-worker-pool.ts`). */
  readonly compare?: Partial<ComparePoolOptions>;
  /** The sequence diagram's worker thread (`labs/sequence-worker-pool.ts`). */
  readonly sequence?: Partial<SequencePoolOptions>;
}

declare module "fastify" {
  interface FastifyInstance {
    /** The labs this server holds. */
    labs: LabRegistry;
    /** Who may use the server: exposure, the operator secret, lab owners. */
    access: Access;
    /** Past moments, branches, lab files. */
    timelines: TimelineService;
    /** The store labs survive restarts in, when the app has one. */
    persistence: LabPersistence | null;
    /** The lessons, and the labs playing them. */
    lessons: LessonService;
    /** Classroom sessions: an instructor's lab, its followers. */
    classroom: ClassroomService;
  }
}

export function buildApp(options: AppOptions = {}): FastifyInstance {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const timing: RuntimeTiming = { ...DEFAULT_TIMING, ...options.timing };
  const feed: FeedOptions = { ...DEFAULT_FEED_OPTIONS, ...options.feed };
  const timelineOptions: TimelineOptions = { ...DEFAULT_TIMELINE, ...options.timeline };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyLimitBytes,
    // A client sending a request slowly must not hold a lab operation open for ever.
    requestTimeout: 60_000,
    frameworkErrors,
    clientErrorHandler,
  });
  const listening = (): ListeningAddress[] =>
    app.addresses().flatMap((a) => (typeof a === "object" && a !== null ? [{ address: a.address, port: a.port }] : []));
  const access = new Access(options.access ?? {}, listening);
  const outbound: OutboundPolicy = new OutboundPolicy(options.allowOutbound, {
    ownPorts: (): number[] => [...listening().map((a) => a.port), ...respPorts(registry)],
    exposed: () => access.exposed(),
  });
  const registry: LabRegistry = new LabRegistry({
    limits,
    timing,
    bindHost: options.respHost ?? "127.0.0.1",
    outbound,
    externalWatch: { ...DEFAULT_EXTERNAL_WATCH, ...options.externalWatch },
    timeline: timelineOptions,
    ...(options.memoryProbe ? { memoryProbe: options.memoryProbe } : {}),
  });
  const validators = createValidators();
  app.setValidatorCompiler(validators.compiler);
  app.decorate("labs", registry);
  app.decorate("access", access);
  const timelines = new TimelineService(registry, { timeline: timelineOptions, importDeadlineMs: options.importDeadlineMs ?? 120_000 });
  app.decorate("timelines", timelines);
  const persistence = options.store ? new LabPersistence(options.store, registry, access, { ...DEFAULT_PERSISTENCE, ...options.persistence }) : null;
  app.decorate("persistence", persistence);
  const lessons = new LessonService(options.lessons ?? LessonCatalogue.load(), registry, access);
  app.decorate("lessons", lessons);
  // A lesson lab restored after a restart goes on at the step it was on.
  if (persistence) persistence.lessons = lessons;
  installErrorHandling(app);
  const classroom = new ClassroomService(registry, Date.now, (owner) => access.ownsAny(owner));
  // A class restored after a restart goes on: its code and tokens.
  if (persistence) persistence.classrooms = classroom;
  installRequestGuard(app, access, classroom);
  app.decorate("classroom", classroom);
  installClassroomGuard(app, classroom);
  const forgetOwner = registry.onDeleted((runtime) => access.forget(runtime.id));

  app.register(labRoutes, { prefix: "/api", registry, access });
  app.register(nodeRoutes, { prefix: "/api", registry, access });
  app.register(timelineRoutes, { prefix: "/api", registry, access, timelines });
  const sequences = new SequenceService(registry, options.compare, options.sequence);
  app.register(sequenceRoutes, { prefix: "/api", sequences });
  app.register(lessonRoutes, { prefix: "/api", lessons });
  app.register(classroomRoutes, { prefix: "/api", registry, access, classroom, timelines });
  app.register(streamPlugin, { prefix: "/api", registry, access, feed, ajv: validators.strict, classroom });
  installWebApp(app, options.webRoot ?? null);

  app.addHook("onClose", async () => {
    forgetOwner();
    lessons.close();
    await sequences.close();
    // The store first: closing the registry deletes every lab, which it must not write down; and
    // the classes are written with their labs before they end.
    await persistence?.close();
    classroom.close();
    await registry.close();
  });
  return app;
}

/** Every RESP port a lab node holds, in every lab (killed nodes' ports included: they come back). */
function respPorts(registry: LabRegistry): number[] {
  const ports: number[] = [];
  for (const { id } of registry.list()) {
    const runtime = registry.get(id);
    for (const nodeId of runtime.lab.nodeIds()) {
      const port = runtime.gateway.portOf(nodeId);
      if (port !== null) ports.push(port);
    }
  }
  return ports;
}

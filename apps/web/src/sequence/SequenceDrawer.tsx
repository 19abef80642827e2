/**
 * The drawer holding the sequence diagram and the protocol comparison (issue 10), opened from the
 * two tabs on the screen's right edge. The diagram follows the timeline's cursor: at the live edge
 * it asks the server again every second; in the past it shows the moment the cursor stands at.
 * Selecting an arrow shows its bytes and offsets and lights its events in the log; selecting an
 * event in the log lights its arrows.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { SequenceFault, SequenceMessage, SequenceMessageKind, SequenceView } from "@replica-lab/protocol";
import { asLabRequestError } from "../api/errors.ts";
import { ComparePanel } from "../compare/ComparePanel.tsx";
import { useApp } from "../store/store.ts";
import { fetchMessage, fetchSequence } from "./sequenceApi.ts";
import { DIAGRAM_ROWS, FAULT_TAGS, SequenceDiagram, SequenceLanesHead } from "./SequenceDiagram.tsx";
import { eventsOfMessage, filterMessages, MESSAGE_GROUPS, messagesOfEvent, orderLanes, sequenceText, type MessageGroup } from "./sequenceModel.ts";
import { sequenceStore, useSequence } from "./sequenceStore.ts";
import "./sequence.css";

/** Labels of the filter's groups and of message kinds, spelled out so the catalogue check sees them. */
const GROUP_LABEL_KEYS = {
  handshake: "sequence.groups.handshake",
  transfer: "sequence.groups.transfer",
  stream: "sequence.groups.stream",
  keepalive: "sequence.groups.keepalive",
} as const satisfies Record<MessageGroup, string>;

const KIND_LABEL_KEYS = {
  connect: "sequence.kind.connect",
  refused: "sequence.kind.refused",
  close: "sequence.kind.close",
  command: "sequence.kind.command",
  reply: "sequence.kind.reply",
  rdb: "sequence.kind.rdb",
  newline: "sequence.kind.newline",
  stream: "sequence.kind.stream",
  ping: "sequence.kind.ping",
  ack: "sequence.kind.ack",
  getack: "sequence.kind.getack",
  copy: "sequence.kind.copy",
  binlog: "sequence.kind.binlog",
  noop: "sequence.kind.noop",
  "out-of-sync": "sequence.kind.outOfSync",
} as const satisfies Record<SequenceMessageKind, string>;

/** Explanations of what went wrong with a message (the detail pane's; the arrow's tag is shorter). */
const FAULT_DETAIL_KEYS = {
  "lost-reset": "sequence.faultDetail.lostReset",
  "lost-closed": "sequence.faultDetail.lostClosed",
  "lost-crashed": "sequence.faultDetail.lostCrashed",
  crash: "sequence.faultDetail.crash",
  timeout: "sequence.faultDetail.timeout",
} as const satisfies Record<SequenceFault, string>;

/** How often the live diagram asks again (wall ms). */
const LIVE_REFRESH_MS = 1000;
/** Messages asked for (the newest): a little more than the diagram draws, so a filter still fills it. */
const FETCH_LIMIT = 450;

export function SequenceDrawer() {
  const open = useSequence((s) => s.open);
  const tab = useSequence((s) => s.tab);
  const { t } = useTranslation();
  return (
    <>
      <div className="seq-handles">
        <button type="button" className="btn seq-handle" title={t("sequence.openTitle")} data-testid="sequence-open" onClick={() => sequenceStore.getState().setOpen(!open || tab !== "diagram", "diagram")}>
          {t("sequence.open")}
        </button>
        <button type="button" className="btn seq-handle" title={t("sequence.compareOpenTitle")} data-testid="compare-open" onClick={() => sequenceStore.getState().setOpen(!open || tab !== "compare", "compare")}>
          {t("sequence.compareOpen")}
        </button>
      </div>
      {open && (
        <section className="seq-drawer" aria-label={t("sequence.drawerLabel")} data-testid="sequence-drawer">
          <div className="seq-tabs" role="tablist">
            {(["diagram", "compare"] as const).map((name) => (
              <button key={name} type="button" role="tab" aria-selected={tab === name} className={`chip${tab === name ? " on" : ""}`} onClick={() => sequenceStore.getState().setOpen(true, name)}>
                {t(name === "diagram" ? "sequence.tabDiagram" : "sequence.tabCompare")}
              </button>
            ))}
            <button type="button" className="btn seq-close" onClick={() => sequenceStore.getState().setOpen(false)}>
              {t("sequence.close")}
            </button>
          </div>
          {tab === "diagram" ? <DiagramTab /> : <ComparePanel />}
        </section>
      )}
    </>
  );
}

/** The moment the timeline's cursor stands at (null: the live edge). */
function useCursorMs(): number | null {
  return useApp((s) => (s.timeView.kind === "past" ? s.timeView.atMs : null));
}

function useSequenceFetch(labId: string | null, atMs: number | null): void {
  useEffect(() => {
    if (labId === null) return;
    let cancelled = false;
    let busy = false;
    const load = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      sequenceStore.getState().setLoading(true);
      try {
        // Bytes only for the message selected (MessageDetail): a second's poll stays small.
        const view = await fetchSequence(labId, { atMs, limit: FETCH_LIMIT, raw: false });
        if (!cancelled) sequenceStore.getState().setView(view);
      } catch (error) {
        if (!cancelled) sequenceStore.getState().setError(asLabRequestError(error).message);
      } finally {
        busy = false;
        if (!cancelled) sequenceStore.getState().setLoading(false);
      }
    };
    void load();
    const timer = atMs === null ? setInterval(() => void load(), LIVE_REFRESH_MS) : null;
    return () => {
      cancelled = true;
      if (timer !== null) clearInterval(timer);
    };
  }, [labId, atMs]);
}

function DiagramTab() {
  const { t } = useTranslation();
  const labId = useApp((s) => s.lab.labId);
  const atMs = useCursorMs();
  useSequenceFetch(labId, atMs);
  const view = useSequence((s) => s.view);
  const error = useSequence((s) => s.error);
  const filter = useSequence((s) => s.filter);
  const selection = useSequence((s) => s.selection);
  const events = useApp((s) => s.lab.events);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [scrollLeft, setScrollLeft] = useState(0);

  const lanes = useMemo(() => orderLanes(view?.lanes ?? []), [view]);
  const shown = useMemo(() => (view === null ? [] : filterMessages(view.messages, filter)), [view, filter]);
  const selected = selection?.kind === "message" ? (view?.messages.find((m) => m.seq === selection.seq) ?? null) : null;
  const selectedEvent = selection?.kind === "event" ? (events.find((e) => e.seq === selection.seq) ?? null) : null;
  const lit = useMemo(() => (selectedEvent === null ? new Set<number>() : new Set(messagesOfEvent(selectedEvent.seq, shown))), [selectedEvent, shown]);

  // The log lights the selected message's events (EventLog reads `litEvents`).
  const litEvents = useMemo(() => (selected === null ? [] : [...eventsOfMessage(selected)]), [selected]);
  useEffect(() => sequenceStore.setState({ litEvents }), [litEvents]);
  useEffect(() => () => sequenceStore.setState({ litEvents: [] }), []);

  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  const nameOf = (id: string): string => lanes.find((l) => l.id === id)?.name ?? id;
  const pairs = useMemo(() => lanes.flatMap((a, i) => lanes.slice(i + 1).map((b) => [a, b] as const)), [lanes]);

  return (
    <div className="seq-body">
      <div className="seq-toolbar">
        <span className="muted small" data-testid="sequence-moment">
          {atMs === null ? t("sequence.atLive", { time: timeText(t, view?.timeMs ?? 0) }) : t("sequence.atPast", { time: timeText(t, atMs) })}
        </span>
        <label className="small">
          {t("sequence.pairFilter")}{" "}
          <select
            value={filter.pair === null ? "" : filter.pair.join("|")}
            onChange={(e) => sequenceStore.getState().setFilter({ pair: e.target.value === "" ? null : (e.target.value.split("|") as [string, string]) })}
            data-testid="sequence-pair"
          >
            <option value="">{t("sequence.pairAll")}</option>
            {pairs.map(([a, b]) => (
              <option key={`${a.id}|${b.id}`} value={`${a.id}|${b.id}`}>
                {t("sequence.pairOf", { a: a.name, b: b.name })}
              </option>
            ))}
          </select>
        </label>
        <div className="chips" role="group" aria-label={t("sequence.groupFilter")}>
          {MESSAGE_GROUPS.map((group) => (
            <button
              key={group}
              type="button"
              className={`chip${filter.groups.includes(group) ? " on" : ""}`}
              aria-pressed={filter.groups.includes(group)}
              data-testid={`sequence-group-${group}`}
              onClick={() => sequenceStore.getState().setFilter({ groups: filter.groups.includes(group) ? filter.groups.filter((g) => g !== group) : [...filter.groups, group] })}
            >
              {t(GROUP_LABEL_KEYS[group])}
            </button>
          ))}
        </div>
        <button type="button" className="btn" title={t("sequence.exportTextTitle")} data-testid="sequence-export-text" onClick={() => download(`sequence-${labId ?? "lab"}.txt`, "text/plain", sequenceText(shown, nameOf))}>
          {t("sequence.exportText")}
        </button>
        <button type="button" className="btn" title={t("sequence.exportSvgTitle")} data-testid="sequence-export-svg" onClick={() => exportSvg(`sequence-${labId ?? "lab"}.svg`)}>
          {t("sequence.exportSvg")}
        </button>
      </div>
      {error !== null && <p className="seq-error">{t("sequence.failed", { message: error })}</p>}
      <div className="seq-split">
        <div className="seq-body">
        <SequenceLanesHead lanes={lanes} scrollLeft={scrollLeft} />
        <div
          className="seq-scroll"
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
            setScrollLeft(el.scrollLeft);
          }}
        >
          {view === null ? (
            <p className="muted pad">{t("sequence.loading")}</p>
          ) : shown.length === 0 ? (
            <p className="muted pad">{t("sequence.empty")}</p>
          ) : (
            <>
              {omittedCount(view, shown) > 0 && <p className="muted small pad">{t("sequence.omitted", { count: omittedCount(view, shown) })}</p>}
              <SequenceDiagram lanes={lanes} messages={shown} selectedSeq={selected?.seq ?? null} litSeqs={lit} onSelect={(seq) => sequenceStore.getState().select({ kind: "message", seq })} />
            </>
          )}
        </div>
        </div>
        <MessageDetail message={selected} nameOf={nameOf} eventSeq={selectedEvent?.seq ?? null} litCount={lit.size} labId={labId} atMs={atMs} />
      </div>
    </div>
  );
}

function omittedCount(view: SequenceView, shown: readonly SequenceMessage[]): number {
  return view.omitted + Math.max(0, shown.length - DIAGRAM_ROWS);
}

interface MessageDetailProps {
  readonly message: SequenceMessage | null;
  readonly nameOf: (id: string) => string;
  readonly eventSeq: number | null;
  readonly litCount: number;
  readonly labId: string | null;
  readonly atMs: number | null;
}

/** The selected message's bytes, asked for once per selection and moment (the list comes without them). */
function useMessageBytes(labId: string | null, seq: number | null, atMs: number | null, bytes: number | null): SequenceMessage | null {
  const [loaded, setLoaded] = useState<SequenceMessage | null>(null);
  useEffect(() => {
    setLoaded(null);
    if (labId === null || seq === null) return;
    let cancelled = false;
    fetchMessage(labId, seq, atMs)
      .then((message) => {
        if (!cancelled) setLoaded(message);
      })
      .catch((error: unknown) => {
        if (!cancelled) sequenceStore.getState().setError(asLabRequestError(error).message);
      });
    return () => {
      cancelled = true;
    };
    // A batch that grew (more bytes) is asked for again.
  }, [labId, seq, atMs, bytes]);
  return loaded;
}

function MessageDetail({ message, nameOf, eventSeq, litCount, labId, atMs }: MessageDetailProps) {
  const { t } = useTranslation();
  const events = useApp((s) => s.lab.events);
  const litEvents = useSequence((s) => s.litEvents);
  const detail = useMessageBytes(labId, message?.seq ?? null, atMs, message?.bytes ?? null);
  if (message === null) {
    return (
      <aside className="seq-detail" data-testid="sequence-detail">
        <p className="muted small">{eventSeq === null ? t("sequence.detailNone") : litCount > 0 ? t("sequence.eventSelected", { seq: eventSeq }) : t("sequence.eventNoMessages", { seq: eventSeq })}</p>
      </aside>
    );
  }
  const linked = events.filter((e) => litEvents.includes(e.seq));
  return (
    <aside className="seq-detail" data-testid="sequence-detail">
      <h3>
        {t("sequence.detailTitle")}: {t(KIND_LABEL_KEYS[message.kind])}
      </h3>
      <p className="small">{t("sequence.detailFromTo", { from: nameOf(message.from), to: nameOf(message.to) })}</p>
      <p className="small">
        {t("sequence.detailSent", { time: timeText(t, message.sentMs) })} · {t("sequence.detailReceived", { time: timeText(t, message.receivedMs) })}
      </p>
      <p className="small">
        {t("sequence.detailBytes", { count: message.bytes })} · {t("sequence.detailCount", { count: message.count })}
        {message.offsets !== undefined && <> · {t("sequence.detailOffsets", message.offsets)}</>}
      </p>
      {message.fault !== undefined && (
        <p className="small seq-fault-detail" data-testid="sequence-fault">
          <strong>{t(FAULT_TAGS[message.fault])}</strong>: {t(FAULT_DETAIL_KEYS[message.fault])}
        </p>
      )}
      {message.count > 1 && <BatchItems message={detail ?? message} />}
      <h4>
        {t("sequence.detailRaw")} {detail?.rawTruncated === true && <span className="muted">{t("sequence.detailTruncated")}</span>}
      </h4>
      <pre className="seq-raw mono" data-testid="sequence-raw">
        {detail?.raw ?? t("sequence.loading")}
      </pre>
      <h4>{t("sequence.detailEvents")}</h4>
      {linked.length === 0 ? (
        <p className="muted small">{t("sequence.detailNoEvents")}</p>
      ) : (
        <ul className="seq-events">
          {linked.map((e) => (
            <li key={e.seq}>
              <button type="button" className="link" onClick={() => sequenceStore.getState().select({ kind: "event", seq: e.seq })}>
                #{e.seq} {e.nodeName ?? ""} {e.kind}
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

/** A batch opened: its first units in words (the engine keeps 20), and how many more it holds. */
function BatchItems({ message }: { readonly message: SequenceMessage }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const items = message.items ?? [];
  return (
    <div className="seq-batch">
      <button type="button" className="link small" aria-expanded={open} data-testid="sequence-batch-toggle" onClick={() => setOpen(!open)}>
        {t(open ? "sequence.batchHide" : "sequence.batchShow", { count: message.count })}
      </button>
      {open && (
        <ol className="seq-batch-items mono small" data-testid="sequence-batch-items">
          {items.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
          {message.count > items.length && <li className="muted">{t("sequence.batchMore", { count: message.count - items.length })}</li>}
        </ol>
      )}
    </div>
  );
}

function timeText(t: TFunction, ms: number): string {
  return t("units.seconds", { value: (ms / 1000).toFixed(3) });
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The diagram shown, as a standalone SVG file (its look inlined, since the page's CSS stays behind). */
function exportSvg(name: string): void {
  const svg = document.querySelector<SVGSVGElement>('[data-testid="sequence-diagram"]');
  if (!svg) return;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
  style.textContent = SVG_STYLE;
  copy.insertBefore(style, copy.firstChild);
  download(name, "image/svg+xml", new XMLSerializer().serializeToString(copy));
}

const SVG_STYLE = `text{font:11px sans-serif;fill:#222}.seq-lifeline{stroke:#bbb;stroke-dasharray:4 3}.seq-arrow{stroke:#333;stroke-width:1.4}.seq-rdb .seq-arrow,.seq-copy .seq-arrow{stroke-width:5;stroke:#c07a00}.seq-refused .seq-arrow,.seq-close .seq-arrow{stroke-dasharray:4 3;stroke:#b00}.seq-lost .seq-arrow{stroke:#b00;stroke-dasharray:2 2}.seq-cross{stroke:#b00;stroke-width:2}.seq-fault-tag{fill:#b00;font-weight:bold}.seq-hit{stroke:transparent}.seq-time{fill:#888}`;

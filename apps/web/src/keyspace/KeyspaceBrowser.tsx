/**
 * The inspector's keyspace browser (issue 17): the selected node's keys with type, encoding, TTL
 * and the first elements of each value, a page at a time, refreshed every second while "live" is
 * on, so a list pushed on the master is seen arriving on its replicas.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { KeyspaceAnswer, KeyView } from "@replica-lab/protocol";
import { sendRest } from "../api/rest.ts";
import { useApp } from "../store/store.ts";
import "./keyspace.css";

const PAGE = 25;
const PREVIEW_ITEMS = 8;
const REFRESH_MS = 1000;

type Loaded = { readonly kind: "loading" } | { readonly kind: "answer"; readonly answer: KeyspaceAnswer } | { readonly kind: "failed"; readonly message: string };

async function fetchKeyspace(labId: string, nodeId: string, db: number, offset: number): Promise<KeyspaceAnswer> {
  const query = `db=${db}&offset=${offset}&count=${PAGE}&items=${PREVIEW_ITEMS}`;
  return (await sendRest({ method: "GET", path: `/api/labs/${encodeURIComponent(labId)}/nodes/${encodeURIComponent(nodeId)}/keyspace?${query}` })) as KeyspaceAnswer;
}

/** Reads a page now, and again every second while `live`; the newest answer wins. */
function useKeyspace(labId: string | null, nodeId: string, db: number, offset: number, live: boolean, refreshes: number): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  useEffect(() => {
    if (labId === null) return;
    let current = true;
    const read = (): void => {
      fetchKeyspace(labId, nodeId, db, offset).then(
        (answer) => current && setLoaded({ kind: "answer", answer }),
        (error: unknown) => current && setLoaded({ kind: "failed", message: error instanceof Error ? error.message : String(error) }),
      );
    };
    read();
    const timer = live ? setInterval(read, REFRESH_MS) : null;
    return () => {
      current = false;
      if (timer !== null) clearInterval(timer);
    };
  }, [labId, nodeId, db, offset, live, refreshes]);
  return loaded;
}

export function KeyspaceBrowser({ nodeId }: { readonly nodeId: string }) {
  const labId = useApp((s) => s.lab.labId);
  const [db, setDb] = useState(0);
  const [offset, setOffset] = useState(0);
  const [live, setLive] = useState(true);
  const [refreshes, setRefreshes] = useState(0);
  const loaded = useKeyspace(labId, nodeId, db, offset, live, refreshes);
  const past = useApp((s) => s.timeView.kind === "past");
  const { t } = useTranslation();
  const page = loaded.kind === "answer" && loaded.answer.kind === "keys" ? loaded.answer.page : null;
  // The db choice lists the non-empty dbs and always the one shown.
  const dbs = page === null ? [{ db, keys: 0 }] : page.dbs.some((d) => d.db === db) ? page.dbs : [...page.dbs, { db, keys: page.total }].sort((a, b) => a.db - b.db);
  return (
    <section className="keyspace" data-testid="keyspace">
      <h3>{t("keyspace.title")}</h3>
      <p className="muted small">{t("keyspace.hint")}</p>
      {past && (
        <p className="warn-text small" data-testid="keyspace-past">
          {t("keyspace.pastNote")}
        </p>
      )}
      <div className="keyspace-controls">
        <label>
          <span className="muted">{t("keyspace.db")}</span>{" "}
          <select
            value={db}
            aria-label={t("keyspace.dbLabel")}
            data-testid="keyspace-db"
            onChange={(e) => {
              setDb(Number(e.target.value));
              setOffset(0);
            }}
          >
            {dbs.map((d) => (
              <option key={d.db} value={d.db}>
                {t("keyspace.dbOption", { db: d.db, count: d.keys })}
              </option>
            ))}
          </select>
        </label>
        <label title={t("keyspace.autoTitle")}>
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} data-testid="keyspace-live" /> {t("keyspace.auto")}
        </label>
        <button type="button" className="btn small" onClick={() => setRefreshes((n) => n + 1)} data-testid="keyspace-refresh">
          {t("keyspace.refresh")}
        </button>
        {page !== null && (
          <span className="muted small" data-testid="keyspace-total" data-value={page.total}>
            {t("keyspace.total", { count: page.total })}
          </span>
        )}
      </div>
      <KeyspaceBody loaded={loaded} />
      {page !== null && page.total > PAGE && (
        <div className="keyspace-pager">
          <button type="button" className="btn small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            {t("keyspace.previous")}
          </button>
          <span className="muted small">{t("keyspace.range", { from: offset + 1, to: Math.min(page.total, offset + PAGE), total: page.total })}</span>
          <button type="button" className="btn small" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>
            {t("keyspace.next")}
          </button>
        </div>
      )}
    </section>
  );
}

function KeyspaceBody({ loaded }: { readonly loaded: Loaded }) {
  const { t } = useTranslation();
  if (loaded.kind === "loading") return <p className="muted small">{t("keyspace.loading")}</p>;
  if (loaded.kind === "failed") return <p className="warn-text small">{t("keyspace.failed", { message: loaded.message })}</p>;
  const answer = loaded.answer;
  if (answer.kind === "unavailable") return <p className="muted small" data-testid="keyspace-unavailable">{answer.reason === "down" ? t("keyspace.down") : t("keyspace.notRedis")}</p>;
  if (answer.page.keys.length === 0) return <p className="muted small" data-testid="keyspace-empty">{t("keyspace.empty")}</p>;
  return (
    <table className="keyspace-table">
      <thead>
        <tr>
          <th>{t("keyspace.key")}</th>
          <th>{t("keyspace.type")}</th>
          <th>{t("keyspace.encoding")}</th>
          <th>{t("keyspace.ttl")}</th>
          <th>{t("keyspace.value")}</th>
        </tr>
      </thead>
      <tbody>
        {answer.page.keys.map((key) => (
          <KeyRow key={key.key} entry={key} />
        ))}
      </tbody>
    </table>
  );
}

function KeyRow({ entry }: { readonly entry: KeyView }) {
  const { t } = useTranslation();
  const hidden = entry.type === "string" ? 0 : entry.length - entry.preview.length;
  return (
    <tr data-testid="keyspace-key" data-key={entry.key} data-type={entry.type} data-encoding={entry.encoding}>
      <td className="mono keyspace-name">{entry.key}</td>
      <td>{entry.type}</td>
      <td className="mono">{entry.encoding}</td>
      <td className="mono" data-field="ttl">
        {entry.ttlMs === null ? t("keyspace.noTtl") : t("keyspace.ttlSeconds", { seconds: Math.ceil(entry.ttlMs / 1000) })}
      </td>
      <td className="keyspace-value" title={entry.type === "string" ? undefined : t("keyspace.length", { count: entry.length })}>
        <span className="mono" data-field="preview">
          {entry.type === "string" ? entry.preview[0] : entry.preview.join(", ")}
        </span>
        {hidden > 0 && <span className="muted small"> {t("keyspace.more", { count: hidden })}</span>}
      </td>
    </tr>
  );
}

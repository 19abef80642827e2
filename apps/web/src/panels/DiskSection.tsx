/**
 * What a node keeps on its disk, for the inspector: its save points and unsaved changes, why it is
 * down (killed, or shut down with or without a save), and its redis.conf, editable. Together they
 * tell the tutorial's lesson: REPLICAOF and CONFIG SET live in the process, a restart starts from
 * the file and dump.rdb, a shutdown saves and a kill does not.
 */
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { NodeSnapshot } from "@replica-lab/protocol";
import { useActions } from "../app/AppContext.tsx";
import { asLabRequestError } from "../api/errors.ts";
import { failureText, isClientCode } from "../i18n/errorText.ts";
import { downReasonKey, useDownReason } from "../store/downReason.ts";
import { lineRange, savePoints } from "./configFileText.ts";
import { lockable, useFollowLock } from "../classroom/followLock.ts";

/**
 * The config file's name on the node's disk. Every kind the lab has so far is a redis-server; a
 * kind with another file (ssdb.conf) would name its own here.
 */
export const CONFIG_FILE_NAME = "redis.conf";

/** Save points and unsaved changes, where the node's kind has them (Redis' `save` and dirty counter). */
function persistenceOf(node: NodeSnapshot): { readonly save: string; readonly dirty: number } | null {
  return "dirty" in node && "config" in node ? { save: node.config.save, dirty: node.dirty } : null;
}

/** Why the node is down, under the inspector's title: a crash, or a shutdown that saved or not. */
export function DownNote({ node }: { readonly node: NodeSnapshot }) {
  const reason = useDownReason(node.id);
  const { t } = useTranslation();
  if (node.status !== "down") return null;
  let text: string | null = null;
  if (reason?.kind === "killed") text = t("inspector.downKilled", { name: node.name });
  else if (reason?.kind === "shutdown") {
    text = reason.savedKeys === null ? t("inspector.downShutdownNosave", { name: node.name }) : t("inspector.downShutdown", { name: node.name, count: reason.savedKeys });
  }
  return (
    <p className="down-note" data-testid="down-reason" data-reason={reason === null ? "" : downReasonKey(reason)}>
      {text !== null && <>{text} </>}
      <span className="muted">{t("inspector.restartHint")}</span>
    </p>
  );
}

/** Save points (redis' `save`) and the writes since the last save. */
export function DiskSection({ node }: { readonly node: NodeSnapshot }) {
  const { t } = useTranslation();
  const persistence = persistenceOf(node);
  if (persistence === null) return null;
  const points = savePoints(persistence.save);
  const up = node.status !== "down";
  return (
    <section>
      <h3>{t("inspector.disk")}</h3>
      <dl className="counters" data-testid="persistence">
        <dt>{t("inspector.savePoints")}</dt>
        <dd data-field="save" data-value={persistence.save}>
          <code>save {persistence.save === "" ? '""' : persistence.save}</code>
        </dd>
        <dt>{t("inspector.unsaved")}</dt>
        <dd data-field="dirty">{up ? persistence.dirty : "—"}</dd>
      </dl>
      <p className="muted small">
        {points.length === 0
          ? t("inspector.savePointsNone")
          : points.map((p) => t("inspector.savePoint", { seconds: p.seconds, count: p.changes })).join(" · ")}
      </p>
      {up && <p className="muted small">{points.length === 0 ? t("inspector.unsavedNoteNoSave") : t("inspector.unsavedNote")}</p>}
    </section>
  );
}

type SaveState =
  | { readonly kind: "idle" }
  | { readonly kind: "saving" }
  | { readonly kind: "saved" }
  | { readonly kind: "failed"; readonly code: string; readonly message: string; readonly line: number | null };

/**
 * The node's redis.conf, editable. Typing starts a draft; Save sends it (the server refuses a line
 * the node would not start on, and the editor selects that line); Revert drops the draft. A draft
 * whose file changed on disk meanwhile (CONFIG REWRITE) says so rather than losing either.
 */
export function ConfigFileSection({ node }: { readonly node: NodeSnapshot }) {
  const actions = useActions();
  const lock = useFollowLock();
  const { t } = useTranslation();
  const editor = useRef<HTMLTextAreaElement>(null);
  const [draft, setDraft] = useState<{ readonly text: string; readonly base: string } | null>(null);
  const [state, setState] = useState<SaveState>({ kind: "idle" });
  const text = draft?.text ?? node.configFile;
  const rows = Math.min(18, Math.max(6, text.split("\n").length + 1));

  const save = async (): Promise<void> => {
    if (draft === null) return;
    setState({ kind: "saving" });
    try {
      await actions.saveConfigFile(node.id, draft.text);
      setDraft(null);
      setState({ kind: "saved" });
    } catch (error) {
      const failure = asLabRequestError(error);
      setState({ kind: "failed", code: failure.code, message: failure.message, line: failure.line });
      const range = failure.line === null ? null : lineRange(draft.text, failure.line);
      if (range && editor.current) {
        editor.current.focus();
        editor.current.setSelectionRange(range.start, range.end);
      }
    }
  };

  return (
    <section>
      <h3>{t("inspector.configFile", { file: CONFIG_FILE_NAME })}</h3>
      <p className="muted small">{t("inspector.configFileNote")}</p>
      <textarea
        ref={editor}
        className="config-file"
        value={text}
        rows={rows}
        spellCheck={false}
        wrap="off"
        // The file is the node's own text (redis' directives and comments), not the app's words.
        lang="en"
        data-server-text
        aria-label={t("inspector.configFileLabel", { file: CONFIG_FILE_NAME, name: node.name })}
        data-testid="config-file"
        data-dirty={draft === null ? "false" : "true"}
        onChange={(e) => {
          setDraft({ text: e.target.value, base: draft?.base ?? node.configFile });
          setState({ kind: "idle" });
        }}
      />
      {draft !== null && draft.base !== node.configFile && <p className="warn-text small">{t("inspector.configFileChanged")}</p>}
      <div className="config-file-actions">
        <button type="button" className="btn primary" {...lockable(lock, undefined, draft === null || state.kind === "saving")} onClick={() => void save()} data-testid="config-file-save">
          {state.kind === "saving" ? t("inspector.configFileSaving") : t("inspector.configFileSave")}
        </button>
        <button
          type="button"
          className="btn"
          disabled={draft === null || state.kind === "saving"}
          onClick={() => {
            setDraft(null);
            setState({ kind: "idle" });
          }}
          data-testid="config-file-revert"
        >
          {t("inspector.configFileRevert")}
        </button>
        <span className="config-file-status small" data-testid="config-file-status" data-state={state.kind} role="status">
          {state.kind === "saved" && t("inspector.configFileSaved")}
          {state.kind === "failed" && (
            <span className="warn-text">
              {state.code === "bad-config-file" && state.line !== null ? t("inspector.configFileRefused", { line: state.line }) : t("inspector.configFileFailed")}{" "}
              {isClientCode(state.code) ? (
                failureText(state.code, state.message, t)
              ) : (
                <span className="server-text" lang="en" data-server-text>
                  {state.message}
                </span>
              )}
            </span>
          )}
        </span>
      </div>
    </section>
  );
}

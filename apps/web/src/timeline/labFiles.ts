/**
 * Lab files in the browser: Export downloads the server's file for the lab; Import (file picker or
 * a file dropped on the page) sends a file to the server and opens the lab it makes. A refused
 * file shows the server's own error.
 */
import { asLabRequestError } from "../api/errors.ts";
import { i18n } from "../i18n/i18n.ts";
import type { AppStore } from "../store/store.ts";
import { openLab } from "./navigation.ts";
import { exportLab, importLab } from "./timelineApi.ts";

/** A file name from a lab name: letters, digits, dashes; the id when the name has none of those. */
export function exportFileName(labName: string, labId: string): string {
  const base = labName
    .normalize("NFKD")
    .replace(/[^\w-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${base === "" ? labId : base}.replica-lab.json`;
}

/** Downloads the lab's file; a failure becomes a notice. */
export async function downloadLab(store: AppStore, labId: string, labName: string): Promise<void> {
  try {
    const file = await exportLab(labId, exportFileName(labName, labId));
    const url = URL.createObjectURL(new Blob([file.text], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = file.fileName;
    link.style.display = "none";
    document.body.append(link);
    link.click();
    link.remove();
    // The download has its own copy once started.
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    const failure = asLabRequestError(error);
    store.getState().notify({ level: "error", title: i18n.t("files.exportFailed"), message: failure.message, code: failure.code, fromServer: true });
  }
}

/** Sends a file to the server as a new lab and opens it; a refused file becomes a notice with the server's words. */
export async function importLabFile(store: AppStore, file: File): Promise<boolean> {
  try {
    const lab = await importLab(await file.text());
    store.getState().notify({ level: "info", title: i18n.t("files.imported", { file: file.name }), message: i18n.t("files.importedMessage", { name: lab.name || lab.id }), code: null, fromServer: false });
    openLab(lab.id, null);
    return true;
  } catch (error) {
    const failure = asLabRequestError(error);
    store.getState().notify({ level: "error", title: i18n.t("files.importFailed", { file: file.name }), message: failure.message, code: failure.code, fromServer: true });
    return false;
  }
}

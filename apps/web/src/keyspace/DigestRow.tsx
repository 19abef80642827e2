/**
 * A card's dataset digest: DEBUG DIGEST of the node's data, short and coloured like a replid, so
 * that a replica holding its master's data shows the same pill ("are they in sync?" at a glance).
 */
import { memo, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { replidColors } from "../format/replid.ts";
import { useApp } from "../store/store.ts";
import { retainDigests, useDigest } from "./digestStore.ts";

const EMPTY_DIGEST = "0".repeat(40);

export const DigestRow = memo(function DigestRow({ nodeId }: { readonly nodeId: string }) {
  const labId = useApp((s) => s.lab.labId);
  const digest = useDigest(labId, nodeId);
  // The digest is the node's data now: a card showing a past moment leaves it out.
  const past = useApp((s) => s.timeView.kind === "past");
  const { t } = useTranslation();
  useEffect(() => (labId === null || past ? undefined : retainDigests(labId)), [labId, past]);
  if (digest === undefined || past) return null;
  const known = digest !== null && digest !== EMPTY_DIGEST;
  const colors = known ? replidColors(digest) : replidColors("");
  const title = digest === null ? t("keyspace.digestNone") : digest === EMPTY_DIGEST ? t("keyspace.digestEmpty") : t("keyspace.digestTitle", { digest });
  return (
    <div className="card-row">
      <span className="k">{t("keyspace.digest")}</span>
      <span
        className={`replid digest${known ? "" : " unset"}`}
        style={{ background: colors.background, borderColor: colors.border }}
        title={title}
        data-field="digest"
        data-value={digest ?? ""}
      >
        {digest === null ? "—" : digest.slice(0, 8)}
      </span>
    </div>
  );
});

/** A replication id, short and coloured so that equal ids look alike across cards. */
import { memo } from "react";
import { isUnsetReplid, replidColors, shortReplid } from "../format/replid.ts";

export const ReplidPill = memo(function ReplidPill({ replid, field }: { readonly replid: string; readonly field?: string }) {
  const unset = isUnsetReplid(replid);
  const colors = replidColors(replid);
  return (
    <span
      className={`replid${unset ? " unset" : ""}`}
      style={{ background: colors.background, borderColor: colors.border }}
      title={replid === "" ? "no replication id (node down)" : replid}
      data-field={field}
      data-replid={replid}
    >
      {unset && replid !== "" ? "none" : shortReplid(replid)}
    </span>
  );
});

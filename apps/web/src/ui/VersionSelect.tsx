/** A choice of node version (the header's for new nodes, the inspector's for a restart), each with its replication in a tooltip. */
import { useTranslation } from "react-i18next";
import type { NodeVersion } from "@replica-lab/protocol";
import { isChoosableVersion, VERSION_CHOICES, VERSION_PROTOCOL_KEYS, versionLabel } from "../format/versions.ts";

export interface VersionSelectProps {
  readonly value: NodeVersion;
  readonly onChange: (version: NodeVersion) => void;
  readonly label: string;
  readonly testId: string;
}

export function VersionSelect({ value, onChange, label, testId }: VersionSelectProps) {
  const { t } = useTranslation();
  return (
    <select
      className="version-select"
      value={value}
      onChange={(e) => {
        if (isChoosableVersion(e.target.value)) onChange(e.target.value);
      }}
      aria-label={label}
      title={t(VERSION_PROTOCOL_KEYS[value])}
      data-testid={testId}
    >
      {VERSION_CHOICES.map((v) => (
        <option key={v} value={v} title={t(VERSION_PROTOCOL_KEYS[v])}>
          {versionLabel(v)}
        </option>
      ))}
    </select>
  );
}

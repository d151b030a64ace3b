import type { AlertCounts, AssetStatus, DeviceStatus, Severity } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useI18n();
  return <span class={`badge sev-${severity}`}>{t(`severity.${severity}`)}</span>;
}

export function AlertCountBadges({ counts }: { counts: AlertCounts }) {
  const { t } = useI18n();
  const parts = (['critical', 'warning', 'info'] as const).filter((s) => counts[s] > 0);
  if (parts.length === 0) return <span class="muted">0</span>;
  return (
    <span class="badges">
      {parts.map((s) => (
        <span key={s} class={`badge sev-${s}`} title={t(`severity.${s}`)}>
          {counts[s]} {t(`severity.${s}`)}
        </span>
      ))}
    </span>
  );
}

export function DeviceStatusBadge({ status }: { status: DeviceStatus }) {
  const { t } = useI18n();
  return <span class={`badge dev-${status}`}>{t(`device.status.${status}`)}</span>;
}

export function AssetStatusBadge({ status }: { status: AssetStatus }) {
  const { t } = useI18n();
  return <span class={`badge asset-${status}`}>{t(`assets.status.${status}`)}</span>;
}

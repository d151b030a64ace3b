import type { RangeKey } from '../chart-data.ts';
import { useI18n } from '../i18n/i18n.tsx';

export interface RangeValue {
  key: RangeKey;
  from: string;
  to: string;
}

/** 24 h / 7 d / 30 d / custom (two datetime-local inputs). */
export function RangePicker({ value, onChange }: { value: RangeValue; onChange: (v: RangeValue) => void }) {
  const { t } = useI18n();
  return (
    <fieldset class="toolbar range">
      <legend>{t('site.range')}</legend>
      {(['24h', '7d', '30d', 'custom'] as const).map((k) => (
        <label key={k} class="chip">
          <input
            type="radio"
            name="range"
            value={k}
            checked={value.key === k}
            onChange={() => onChange({ ...value, key: k })}
          />
          {t(`site.range.${k}`)}
        </label>
      ))}
      {value.key === 'custom' && (
        <>
          <label>
            {t('site.from')}
            <input
              type="datetime-local"
              value={value.from}
              onChange={(e) => onChange({ ...value, from: e.currentTarget.value })}
            />
          </label>
          <label>
            {t('site.to')}
            <input
              type="datetime-local"
              value={value.to}
              onChange={(e) => onChange({ ...value, to: e.currentTarget.value })}
            />
          </label>
        </>
      )}
    </fieldset>
  );
}

export function defaultRange(): RangeValue {
  const now = new Date();
  const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return { key: '24h', from: local(new Date(now.getTime() - 24 * 3600_000)), to: local(now) };
}

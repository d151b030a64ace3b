import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** bars instead of a line (energy per period) */
  bars?: boolean;
  /** right-hand axis scale name; the default scale is 'y' */
  scale?: string;
}

interface Props {
  title: string;
  data: uPlot.AlignedData;
  series: ChartSeries[];
  height?: number;
  /** keeps several charts on one time axis (cursor and zoom follow each other) */
  syncKey?: string;
}

/** A uPlot time-series chart that follows its container's width. */
export function Chart({ title, data, series, height = 220, syncKey }: Props) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const scales = new Set(series.map((s) => s.scale ?? 'y'));
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      scales: { x: { time: true } },
      axes: [{}, ...[...scales].map((scale, i) => ({ scale, side: i === 0 ? 3 : 1, grid: { show: i === 0 } }))],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? `${s.color}88` : undefined,
          width: 1.5,
          scale: s.scale ?? 'y',
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
          spanGaps: false,
        })),
      ],
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [data, series, height, syncKey]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={title} />
    </figure>
  );
}

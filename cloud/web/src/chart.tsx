import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartSeries } from './chart-data.js';

/** A uPlot chart of windowed aggregates: the average as a line, the minimum-maximum range as a band. */
export function WindowChart(props: { data: ChartSeries; unit: string; label: string; fromSec: number; toSec: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 200,
      scales: {
        x: { time: true, range: () => [props.fromSec, props.toSec] },
        // The data's own range with a margin (a flat series is not drawn against zero).
        y: { range: (_u, min, max) => [min - Math.max(1, (max - min) * 0.15), max + Math.max(1, (max - min) * 0.15)] },
      },
      series: [
        {},
        { label: 'Average', stroke: '#1a56b8', width: 2, points: { show: true, size: 4 } },
        { label: 'Minimum', stroke: '#6b8fc9', width: 1, dash: [4, 3] },
        { label: 'Maximum', stroke: '#6b8fc9', width: 1, dash: [4, 3] },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(26, 86, 184, 0.12)' }],
      axes: [{ stroke: '#333' }, { stroke: '#333', label: props.unit, size: 56 }],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, props.data, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.unit, props.fromSec, props.toSec]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div ref={box} class="chart" role="img" aria-label={props.label} data-points={props.data[0].length} />;
}

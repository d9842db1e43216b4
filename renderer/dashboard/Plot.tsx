/**
 * A line plot of training curves drawn by uPlot (canvas, fast enough for
 * hundreds of thousands of points). The chart is built once per set of
 * curves and then only fed new data, at most once per frame; a zoom the user
 * made (drag to zoom, double-click to reset) survives new data arriving.
 * Hovering shows every curve's value at that step in the legend.
 */
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface PlotTrace {
  key: string;
  label: string;
  color: string;
  dash?: number[];
  width?: number;
  /** Drawn thin and pale, left out of the legend: the raw values behind a smoothed curve. */
  faint?: boolean;
  steps: readonly number[];
  values: readonly (number | null)[];
}

export interface PlotMarker {
  step: number;
  label: string;
}

export interface PlotProps {
  traces: PlotTrace[];
  /** Changes whenever the data changed (the arrays are appended in place). */
  revision: number;
  logScale?: boolean;
  marker?: PlotMarker | null;
  theme: string;
  syncKey?: string;
  testId?: string;
  className?: string;
  empty?: string;
  /** A short strip (learning rates): y from zero, no x labels (the plot above has them). */
  compact?: boolean;
  /**
   * Least time between two redraws for new data. Redrawing thousands of points
   * is the costliest thing the dashboard does; a curve that moves ten times a
   * second looks live and leaves the frames to everything else.
   */
  minRedrawMs?: number;
}

export interface PlotHandle {
  /** The chart with its title and legend as a PNG, base64-encoded; undefined before the first draw. */
  toPng(title: string): string | undefined;
}

interface Palette {
  text: string;
  muted: string;
  grid: string;
  background: string;
  accent: string;
}

function themeColors(): Palette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--tw-text', '#e6e8ee'),
    muted: read('--tw-muted', '#959cab'),
    grid: read('--tw-border', '#333844'),
    background: read('--tw-panel', '#1a1d23'),
    accent: read('--tw-ok', '#3ccf8e'),
  };
}

/** Steps are whole numbers: ticks never fall between two. */
const STEP_INCREMENTS = Array.from({ length: 8 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  // Four significant digits; JavaScript itself switches to exponents below 1e-6 and from 1e21.
  return Number(value.toPrecision(4)).toString();
}

/** Curves that share their steps array share one x column; others are outer-joined on step. */
function alignedData(traces: PlotTrace[], logScale: boolean): { data: uPlot.AlignedData; order: PlotTrace[] } {
  const groups = new Map<readonly number[], PlotTrace[]>();
  for (const trace of traces) {
    const group = groups.get(trace.steps);
    if (group) group.push(trace);
    else groups.set(trace.steps, [trace]);
  }
  const positive = (values: readonly (number | null)[]) => (logScale ? values.map((v) => (v !== null && v > 0 ? v : null)) : (values as (number | null)[]));
  const order = [...groups.values()].flat();
  if (groups.size <= 1) {
    const steps = (traces[0]?.steps ?? []) as number[];
    return { data: [steps, ...order.map((t) => positive(t.values))] as uPlot.AlignedData, order };
  }
  const tables = [...groups.entries()].map(([steps, group]) => [steps as number[], ...group.map((t) => positive(t.values))] as uPlot.AlignedData);
  return { data: uPlot.join(tables), order };
}

export const Plot = forwardRef<PlotHandle, PlotProps>(function Plot({ traces, revision, logScale = false, marker = null, theme, syncKey, testId, className, empty, compact = false, minRedrawMs = 0 }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const legendHost = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const zoomed = useRef(false);
  const hidden = useRef(new Set<string>());
  const markerRef = useRef<PlotMarker | null>(marker);
  const orderRef = useRef<PlotTrace[]>([]);
  markerRef.current = marker;

  // The chart is rebuilt only when the set of curves or their look changes; data alone is fed in.
  const shape = useMemo(() => JSON.stringify([traces.map((t) => [t.key, t.label, t.color, t.dash, t.faint, t.width, traces.indexOf(t)]), logScale, theme]), [traces, logScale, theme]);
  const tracesRef = useRef(traces);
  tracesRef.current = traces;

  useEffect(() => {
    const element = host.current;
    const legend = legendHost.current;
    if (!element || !legend) return;
    const colors = themeColors();
    // Which colours the axes were drawn with: tests check that they follow the theme at once.
    element.dataset.axisColor = colors.muted;
    element.dataset.gridColor = colors.grid;
    const { data, order } = alignedData(tracesRef.current, logScale);
    orderRef.current = order;
    const axis = (label?: string): uPlot.Axis => ({
      stroke: colors.muted,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1, size: 4 },
      font: '11px Inter, "Segoe UI", system-ui, sans-serif',
      ...(label ? { label, labelFont: '11px Inter, "Segoe UI", system-ui, sans-serif', labelSize: 16 } : {}),
    });
    const options: uPlot.Options = {
      width: Math.max(120, element.clientWidth),
      height: Math.max(60, element.clientHeight),
      padding: [8, 8, compact ? 6 : 0, 0],
      legend: { show: true, live: true, mount: (_u, el) => legend.replaceChildren(el) },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        points: { size: 6 },
        ...(syncKey ? { sync: { key: syncKey } } : {}),
      },
      scales: {
        x: { time: false },
        y: logScale ? { distr: 3, log: 10 } : compact ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } : { auto: true },
      },
      axes: [
        compact
          ? { ...axis(), size: 6, values: () => [] }
          : { ...axis(), incrs: STEP_INCREMENTS, values: (_u, ticks) => ticks.map((t) => (Math.abs(t) >= 10_000 ? `${Number((t / 1000).toPrecision(3))}k` : String(t))) },
        { ...axis(), size: 56, space: compact ? 14 : 24, values: (_u, ticks) => ticks.map((t) => formatValue(t)) },
      ],
      series: [
        { label: 'step', value: (_u, v) => (v === null || v === undefined ? '—' : String(v)) },
        ...order.map(
          (t): uPlot.Series => ({
            label: t.label,
            stroke: t.color,
            width: t.faint ? 1 : (t.width ?? 1.75),
            alpha: t.faint ? 0.28 : 1,
            ...(t.dash ? { dash: t.dash } : {}),
            spanGaps: true,
            show: !hidden.current.has(t.key),
            points: { show: false },
            value: (_u, v) => formatValue(v),
            ...(t.faint ? { class: 'tw-plot-faint' } : {}),
          }),
        ),
      ],
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const xs = u.data[0];
            const min = u.scales.x.min;
            const max = u.scales.x.max;
            if (!xs.length || min === undefined || max === undefined) return;
            zoomed.current = min > xs[0] || max < xs[xs.length - 1];
          },
        ],
        setSeries: [
          (u, index) => {
            if (index === null || index === 0) return;
            const trace = orderRef.current[index - 1];
            if (!trace) return;
            if (u.series[index].show) hidden.current.delete(trace.key);
            else hidden.current.add(trace.key);
          },
        ],
        draw: [(u) => drawMarker(u, markerRef.current, colors)],
      },
    };
    zoomed.current = false;
    const plot = new uPlot(options, data, element);
    chart.current = plot;
    const resize = new ResizeObserver(() => {
      const width = Math.max(120, element.clientWidth);
      const height = Math.max(60, element.clientHeight);
      if (plot.width !== width || plot.height !== height) plot.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // The chart reads traces through a ref; `shape` says when it must be rebuilt.
  }, [shape, logScale, syncKey, compact]);

  const lastDraw = useRef(0);
  const pendingDraw = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const draw = () => {
      pendingDraw.current = undefined;
      const plot = chart.current;
      if (!plot) return;
      lastDraw.current = performance.now();
      const { data } = alignedData(tracesRef.current, logScale);
      plot.setData(data, !zoomed.current || !plot.data[0]?.length);
    };
    if (pendingDraw.current !== undefined) return;
    const wait = lastDraw.current + minRedrawMs - performance.now();
    // The last data always gets drawn: a wait ends in a draw of whatever is newest then.
    if (wait <= 0) draw();
    else pendingDraw.current = setTimeout(draw, wait);
  }, [revision, shape, logScale, minRedrawMs]);
  useEffect(
    () => () => {
      if (pendingDraw.current !== undefined) clearTimeout(pendingDraw.current);
    },
    [],
  );

  useEffect(() => {
    // uPlot sizes its axes on the first data; redrawing an empty chart would draw axes it has not measured.
    const plot = chart.current;
    if (plot && plot.data[0]?.length) plot.redraw(false);
  }, [marker?.step, marker?.label]);

  useImperativeHandle(ref, () => ({
    toPng: (title) => (chart.current ? chartToPng(chart.current, orderRef.current, title) : undefined),
  }));

  const points = traces[0]?.steps.length ?? 0;
  return (
    <div className={`tw-plot ${className ?? ''}`} data-testid={testId} data-points={points} data-series={traces.filter((t) => !t.faint).length}>
      <div className="tw-plot-legend" ref={legendHost} />
      <div className="tw-plot-area">
        <div className="tw-plot-canvas" ref={host} />
        {points === 0 && empty && <div className="tw-plot-empty">{empty}</div>}
      </div>
    </div>
  );
});

function drawMarker(u: uPlot, marker: PlotMarker | null, colors: Palette): void {
  if (!marker) return;
  const xs = u.data[0];
  if (!xs.length) return;
  const min = u.scales.x.min ?? xs[0];
  const max = u.scales.x.max ?? xs[xs.length - 1];
  if (marker.step < min || marker.step > max) return;
  const x = Math.round(u.valToPos(marker.step, 'x', true));
  const { top, height } = u.bbox;
  const ctx = u.ctx;
  const ratio = uPlot.pxRatio;
  ctx.save();
  ctx.strokeStyle = colors.accent;
  ctx.lineWidth = ratio;
  ctx.setLineDash([4 * ratio, 3 * ratio]);
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, top + height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = `${11 * ratio}px Inter, "Segoe UI", system-ui, sans-serif`;
  ctx.fillStyle = colors.accent;
  const text = marker.label;
  const width = ctx.measureText(text).width;
  const right = u.bbox.left + u.bbox.width;
  const textX = x + 4 * ratio + width > right ? x - width - 4 * ratio : x + 4 * ratio;
  ctx.fillText(text, Math.max(u.bbox.left + 2 * ratio, textX), top + 12 * ratio);
  ctx.restore();
}

/** The canvas uPlot drew (axes included), under a title and over a legend with each curve's last value. */
function chartToPng(u: uPlot, order: PlotTrace[], title: string): string | undefined {
  const colors = themeColors();
  const ratio = uPlot.pxRatio;
  const source = u.ctx.canvas;
  const pad = 14 * ratio;
  const titleHeight = 26 * ratio;
  const rowHeight = 18 * ratio;
  const entries = order
    .map((trace, i) => ({ trace, values: u.data[i + 1] as (number | null | undefined)[], shown: u.series[i + 1]?.show !== false }))
    .filter((e) => !e.trace.faint && e.shown)
    .map((e) => {
      let last: number | null | undefined = null;
      for (let j = e.values.length - 1; j >= 0 && (last === null || last === undefined); j--) last = e.values[j];
      return { ...e, last };
    });
  const columns = Math.max(1, Math.min(3, entries.length));
  const legendHeight = Math.ceil(entries.length / columns) * rowHeight + pad / 2;
  const canvas = document.createElement('canvas');
  canvas.width = source.width + 2 * pad;
  canvas.height = titleHeight + source.height + legendHeight + pad;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = colors.text;
  ctx.font = `600 ${13 * ratio}px Inter, "Segoe UI", system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, pad / 2 + titleHeight / 2);
  ctx.drawImage(source, pad, titleHeight + pad / 2);
  ctx.font = `${11 * ratio}px Inter, "Segoe UI", system-ui, sans-serif`;
  const columnWidth = source.width / columns;
  entries.forEach((entry, i) => {
    const x = pad + (i % columns) * columnWidth;
    const y = titleHeight + pad / 2 + source.height + pad / 2 + Math.floor(i / columns) * rowHeight + rowHeight / 2;
    ctx.strokeStyle = entry.trace.color;
    ctx.lineWidth = 2 * ratio;
    ctx.setLineDash((entry.trace.dash ?? []).map((d) => d * ratio));
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 18 * ratio, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colors.text;
    ctx.fillText(`${entry.trace.label}  ${formatValue(entry.last)}`, x + 24 * ratio, y);
  });
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

import { escapeHtml } from './escape-html.js';

/** A shaded span on a trace chart. */
export interface ChartSpan {
  /** Start, ms on the chart's time axis. */
  fromMs: number;
  /** End, ms. */
  toMs: number;
  /** CSS class: `inference` or `load`. */
  kind: 'inference' | 'load';
  /** Index of the model it belongs to (picks its colour). */
  model: number;
  /** Index of the inference in the session, for `inference` spans. */
  index?: number;
  /** Tooltip text. */
  title: string;
  /** A short label drawn inside the span when it is wide enough. */
  label?: string;
}

/** What to draw. */
export interface TraceChart {
  /** The `id` of the `<svg>`. */
  id: string;
  /** Accessible name of the chart. */
  ariaLabel: string;
  /** Points, ms and value, oldest first: one polyline vertex each. */
  points: ReadonlyArray<{ t: number; v: number }>;
  /** End of the time axis, ms. */
  endMs: number;
  /** Unit of the value axis, e.g. `W`. */
  unit: string;
  /** Height of the drawing, in viewBox units (the width is 1000). */
  height: number;
  /** CSS class of the trace polyline (and `-area` for the area under it). */
  traceClass: string;
  /** Shaded spans, drawn under the trace. */
  spans?: readonly ChartSpan[];
  /** A dashed horizontal reference line, e.g. the idle baseline. */
  reference?: { value: number; label: string };
  /** Draw the hover cursor (the page's script moves it). */
  cursor?: boolean;
}

const WIDTH = 1000;
const MARGIN = { left: 58, right: 14, top: 26, bottom: 30 };

/** Tick values from 0 to at least `max`: 4-7 steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => top / s <= 6) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < top + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const num = (v: number): string => (Math.round(v * 10) / 10).toString();
const label = (v: number): string => (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(2));

/**
 * An SVG line chart of a trace over time, pre-rendered (it needs no script
 * to show): value axis from 0, time axis in seconds, shaded spans under the
 * line, an optional dashed reference line. One `<polyline>` vertex per point.
 * The plot area's geometry is in `data-plot` (JSON: left, top, width, height,
 * endMs) for the page's hover script.
 */
export function renderTraceChart(chart: TraceChart): string {
  const plot = { left: MARGIN.left, top: MARGIN.top, width: WIDTH - MARGIN.left - MARGIN.right, height: chart.height - MARGIN.top - MARGIN.bottom };
  const endMs = chart.endMs > 0 ? chart.endMs : 1;
  const maxValue = Math.max(chart.reference?.value ?? 0, ...chart.points.map((p) => p.v)) * 1.08;
  const yTicks = niceTicks(maxValue);
  const yTop = yTicks[yTicks.length - 1]!;
  const x = (t: number): number => plot.left + (Math.min(Math.max(t, 0), endMs) / endMs) * plot.width;
  const y = (v: number): number => plot.top + plot.height - (Math.max(v, 0) / yTop) * plot.height;
  const bottom = plot.top + plot.height;
  const parts: string[] = [];

  for (const v of yTicks) {
    parts.push(`<line class="grid" x1="${plot.left}" x2="${plot.left + plot.width}" y1="${num(y(v))}" y2="${num(y(v))}"/>`,
      `<text class="tick" x="${plot.left - 8}" y="${num(y(v) + 4)}" text-anchor="end">${label(v)}</text>`);
  }
  parts.push(`<text class="axis-unit" x="${plot.left - 30}" y="${plot.top - 12}">${escapeHtml(chart.unit)}</text>`);
  for (const s of niceTicks(endMs / 1000)) {
    if (s * 1000 > endMs * 1.001) break;
    parts.push(`<line class="tick-mark" x1="${num(x(s * 1000))}" x2="${num(x(s * 1000))}" y1="${bottom}" y2="${bottom + 5}"/>`,
      `<text class="tick" x="${num(x(s * 1000))}" y="${bottom + 19}" text-anchor="middle">${label(s)} s</text>`);
  }

  for (const span of chart.spans ?? []) {
    const x0 = x(span.fromMs);
    const w = Math.max(2, x(span.toMs) - x0);
    const data = `data-model="${span.model}"${span.index === undefined ? '' : ` data-index="${span.index}"`}`;
    parts.push(`<rect class="${span.kind} model-${span.model % 6}" ${data} x="${num(x0)}" y="${plot.top}" width="${num(w)}" height="${plot.height}">` +
      `<title>${escapeHtml(span.title)}</title></rect>`);
    if (span.label !== undefined && w > span.label.length * 6.5 + 8) {
      parts.push(`<text class="span-label" x="${num(x0 + 5)}" y="${plot.top + 14}">${escapeHtml(span.label)}</text>`);
    }
  }

  if (chart.points.length > 0) {
    const coords = chart.points.map((p) => `${num(x(p.t))},${num(y(p.v))}`);
    const first = chart.points[0]!;
    const last = chart.points[chart.points.length - 1]!;
    parts.push(`<path class="${chart.traceClass}-area" d="M${num(x(first.t))},${bottom} L${coords.join(' L')} L${num(x(last.t))},${bottom} Z"/>`,
      `<polyline class="trace ${chart.traceClass}" points="${coords.join(' ')}"/>`);
  }
  if (chart.reference !== undefined) {
    const ry = num(y(chart.reference.value));
    parts.push(`<line class="reference" x1="${plot.left}" x2="${plot.left + plot.width}" y1="${ry}" y2="${ry}"/>`,
      `<text class="reference-label" x="${plot.left + plot.width - 4}" y="${num(y(chart.reference.value) - 5)}" text-anchor="end">${escapeHtml(chart.reference.label)}</text>`);
  }
  parts.push(`<line class="axis" x1="${plot.left}" x2="${plot.left + plot.width}" y1="${bottom}" y2="${bottom}"/>`);
  if (chart.cursor === true) {
    parts.push(`<line class="cursor" x1="0" x2="0" y1="${plot.top}" y2="${bottom}" visibility="hidden"/>`,
      `<circle class="cursor-dot" r="4" cx="0" cy="0" visibility="hidden"/>`);
  }
  const geometry = JSON.stringify({ ...plot, endMs, yTop });
  return `<svg id="${escapeHtml(chart.id)}" class="chart" viewBox="0 0 ${WIDTH} ${chart.height}" role="img" aria-label="${escapeHtml(chart.ariaLabel)}" ` +
    `data-plot="${escapeHtml(geometry)}">${parts.join('')}</svg>`;
}

import { ENERGY_BADGE_BANDS } from '../power/energy-badge.js';
import type { BenchModel, BenchSession } from './bench-session.js';
import { escapeHtml, jsonForScript } from './escape-html.js';
import { REPORT_SCRIPT } from './report-script.js';
import { REPORT_STYLE } from './report-style.js';
import { renderTraceChart } from './trace-chart-svg.js';
import type { ChartSpan } from './trace-chart-svg.js';

/**
 * The page may load nothing from anywhere: no network, no files, no frames.
 * Only its own inline style and script run; a browser blocks anything else
 * (and says so on the console, which the page's test watches).
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const e = escapeHtml;
const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
/** About three significant figures, no exponent. */
const sig = (v: number): string => (!Number.isFinite(v) ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Joules in the unit that reads best: J, mJ or µJ. */
function energy(joules: number | null): { value: string; unit: string } {
  if (joules === null || !Number.isFinite(joules)) return { value: '-', unit: '' };
  if (Math.abs(joules) < 1e-9) return { value: '0', unit: 'J' };
  if (Math.abs(joules) >= 1) return { value: sig(joules), unit: 'J' };
  if (Math.abs(joules) >= 1e-3) return { value: sig(joules * 1e3), unit: 'mJ' };
  return { value: sig(joules * 1e6), unit: 'µJ' };
}

function figure(name: string, value: string, unit: string): string {
  return `<div class="figure"><div class="name">${e(name)}</div><div class="value">${e(value)}<span class="unit">${e(unit)}</span></div></div>`;
}

function badge(letter: string | null, caption: string): string {
  return `<div class="badge band-${letter ?? 'none'}" title="${e(caption)}"><small>ENERGY</small>${e(letter ?? '?')}</div>`;
}

function modelCard(m: BenchModel, index: number, session: BenchSession): string {
  const s = m.summary;
  const perToken = energy(s.joulesPerToken);
  const kind = session.power.kind;
  const figures = [
    figure('decode', sig(s.tokensPerSecond), 'tok/s'),
    figure('first token', sig(s.timeToFirstTokenMs), 'ms'),
    figure(`per token (${kind === 'estimated' ? 'est.' : 'meas.'})`, perToken.value, perToken.unit === '' ? '' : `${perToken.unit}/tok`),
    figure('peak RSS', fixed(s.peakRssMb, 0), 'MB'),
    figure('load', fixed(m.loadMs, 0), 'ms'),
    s.timeToActionMs === null ? figure('inferences', String(s.inferences), `· ${s.generatedTokens} tok`) : figure('time to action', sig(s.timeToActionMs), 'ms'),
  ];
  const notes: string[] = [
    `${s.inferences} ${m.workload === 'assistant' ? 'assistant requests' : 'generations'}, ${s.generatedTokens} tokens; speed figures are medians after the first request (its first token took ${sig(s.coldTimeToFirstTokenMs)} ms).`,
  ];
  if (s.netJoulesPerToken !== null) notes.push(`Above idle: ${energy(s.netJoulesPerToken).value} ${energy(s.netJoulesPerToken).unit}/token.`);
  if (s.interpolated > 0) {
    notes.push(`${s.interpolated} of ${s.inferences} inferences have a phase (usually the prompt) shorter than the ${fixed(1000 / session.power.hz, 0)} ms between samples: that part of their energy is interpolated.`);
  }
  const caption = s.badge === null ? 'no token generated' : `badge ${s.badge}: ${ENERGY_BADGE_BANDS.find((b) => b.badge === s.badge)?.meaning ?? ''}`;
  return `<section class="card model-card" style="--accent: var(--m${index % 6})">
<div class="model-head"><div><p class="model-name">${e(m.name)}</p>
<p class="model-origin">${e(m.origin)} · ${(m.parameters / 1e6).toFixed(2)} M parameters · ${e(m.quantization === 'int8' ? 'int8' : 'fp32')} · ${(m.bundleBytes / 1e6).toFixed(2)} MB · ${e(m.backend)} backend</p></div>
${badge(s.badge, caption)}</div>
<div class="figures">${figures.join('')}</div>
<p class="note">${e(notes.join(' '))}</p></section>`;
}

function boardCard(session: BenchSession): string {
  const b = session.board;
  const p = session.power;
  const estimated = p.kind === 'estimated';
  return `<section class="card"><h2>Board and power source</h2>
<dl><dt>board</dt><dd>${e(b.name)} <span class="muted">(${e(b.id)}, ${e(b.matchedBy)})</span></dd>
<dt>cpu</dt><dd>${e(session.machine.cpu)}, ${b.cores} cores, ${e(b.arch)}, ${(b.memoryMB / 1024).toFixed(1)} GB</dd>
<dt>power</dt><dd><span class="pill ${estimated ? 'estimated' : 'measured'}">${estimated ? 'ESTIMATED' : 'MEASURED'}</span> <code>${e(p.source)}</code></dd>
<dt>what</dt><dd>${e(p.label)}</dd>
<dt>sampling</dt><dd>${sig(p.hz)} Hz, ${session.samples.length} samples, ${p.errors} failed reads</dd>
<dt>idle</dt><dd>${p.idleW === null ? 'not measured' : `${sig(p.idleW)} W`}</dd>
<dt>session</dt><dd>${sig(p.energyJ)} J over ${fixed(session.durationS, 1)} s, mean ${sig(p.avgW)} W, peak ${sig(p.peakW)} W</dd></dl>
${estimated ? '<p class="note">No power sensor was found, so watts come from CPU utilisation and the board profile\'s idle and full-load figures. They show the shape of the load, not what a meter would read.</p>' : ''}
</section>`;
}

function ladder(session: BenchSession): string {
  let lower = 0;
  const rungs = ENERGY_BADGE_BANDS.map((band, i) => {
    const who = session.models.filter((m) => m.summary.badge === band.badge).map((m) => m.name);
    const range = Number.isFinite(band.maxJoulesPerToken)
      ? `${energy(lower).value === '-' || lower === 0 ? '0' : `${energy(lower).value} ${energy(lower).unit}`} - ${energy(band.maxJoulesPerToken).value} ${energy(band.maxJoulesPerToken).unit}`
      : `over ${energy(lower).value} ${energy(lower).unit}`;
    lower = band.maxJoulesPerToken;
    return `<div class="rung"><div class="bar band-${band.badge}" style="width: ${24 + i * 6}%">${band.badge}</div>` +
      `<span class="range">${e(range)}/token</span><span class="who">${who.length > 0 ? `&#9664; ${e(who.join(', '))}` : ''}</span></div>`;
  });
  return `<section class="card"><h2>Energy label</h2><div class="ladder">${rungs.join('')}</div>
<p class="note">Gross joules per generated token, prefill included. Each band is half a decade wide; the reasoning is in docs/power.md.${session.power.kind === 'estimated' ? ' On this machine the joules are estimated.' : ''}</p></section>`;
}

function inferenceTable(session: BenchSession): string {
  const rows = session.inferences.map((inf, i) => {
    const m = session.models[inf.model]!;
    const en = inf.energy;
    const j = energy(en?.joules ?? null);
    const jt = energy(en?.joulesPerToken ?? null);
    return `<tr><td>${i + 1}</td><td><span class="dot" style="--accent: var(--m${inf.model % 6})"></span>${e(m.name)}</td>` +
      `<td>${fixed(inf.startMs / 1000, 2)}</td><td>${fixed(inf.endMs - inf.startMs, 0)}</td><td>${inf.promptTokens} + ${inf.generatedTokens}</td>` +
      `<td>${sig(inf.tokensPerSecond)}</td><td>${sig(inf.timeToFirstTokenMs)}</td><td>${j.value} ${j.unit}</td><td>${jt.value} ${jt.unit}</td>` +
      `<td>${en === null ? '-' : sig(en.avgW)}</td><td>${e(en?.badge ?? '-')}</td><td>${en === null ? 'none' : `${en.samples}${en.interpolated ? ' (interpolated)' : ''}`}</td></tr>`;
  });
  return `<section class="card"><details${session.inferences.length <= 24 ? ' open' : ''}><summary>All ${session.inferences.length} inferences</summary>
<table><thead><tr><th>#</th><th>model</th><th>start s</th><th>ms</th><th>tokens (prompt + new)</th><th>tok/s</th><th>first token ms</th><th>energy</th><th>per token</th><th>mean W</th><th>badge</th><th>power samples</th></tr></thead>
<tbody>${rows.join('')}</tbody></table></details></section>`;
}

function charts(session: BenchSession): string {
  const endMs = Math.max(session.samples[session.samples.length - 1]?.t ?? 0, ...session.inferences.map((i) => i.endMs), 1);
  const spans: ChartSpan[] = [];
  session.models.forEach((m, index) => spans.push({
    kind: 'load', model: index, fromMs: m.loadStartMs, toMs: m.loadEndMs, title: `loading ${m.name}: ${fixed(m.loadMs, 0)} ms`, label: `load ${m.name}`,
  }));
  session.inferences.forEach((inf, index) => {
    const m = session.models[inf.model]!;
    const en = inf.energy;
    const cost = en === null ? 'no power sample' : `${energy(en.joules).value} ${energy(en.joules).unit}, ${energy(en.joulesPerToken).value} ${energy(en.joulesPerToken).unit}/token, badge ${en.badge ?? '-'}${en.interpolated ? ' (interpolated)' : ''}`;
    spans.push({
      kind: 'inference', model: inf.model, index, fromMs: inf.startMs, toMs: inf.endMs,
      title: `${m.name} #${index + 1}: ${inf.generatedTokens} tokens in ${fixed(inf.endMs - inf.startMs, 0)} ms, ${sig(inf.tokensPerSecond)} tok/s; ${cost}`,
    });
  });
  const estimated = session.power.kind === 'estimated';
  const power = renderTraceChart({
    id: 'power-chart', ariaLabel: `power over the run, ${session.power.kind}`, traceClass: 'power', height: 340, endMs, spans, cursor: true,
    unit: estimated ? 'W (est.)' : 'W',
    points: session.samples.map((s) => ({ t: s.t, v: s.watts })),
    ...(session.power.idleW === null ? {} : { reference: { value: session.power.idleW, label: `idle ${sig(session.power.idleW)} W` } }),
  }).replace('class="chart"', `class="chart ${session.power.kind}"`);
  const memory = renderTraceChart({
    id: 'memory-chart', ariaLabel: 'resident memory over the run', traceClass: 'rss', height: 150, endMs, unit: 'MB',
    points: session.samples.map((s) => ({ t: s.t, v: s.rssMb })),
  });
  const legend = session.models.map((m, i) => `<span style="--swatch: var(--m${i % 6})">${e(m.name)} inference</span>`).join('') +
    '<span style="--swatch: rgba(128,128,128,.25)">model loading</span>';
  return `<section class="card">
<div class="chart-head"><h2>Power over the run</h2><div class="legend">${legend}</div></div>
${estimated ? '<p class="warning">Estimated watts (from CPU utilisation and the board profile), not a measurement: the dashed line shows the shape of the load only.</p>' : ''}
${power}
<div id="power-readout" class="readout">Each shaded band is one inference; hover the chart for the reading at any moment.</div>
<h2 style="margin-top: 14px">Memory (process RSS, MB)</h2>
${memory}
</section>`;
}

/**
 * Render a bench session as one self-contained HTML page: inline style,
 * pre-rendered SVG charts (the power trace with each inference shaded, and
 * memory), per-model figures with the energy badge, the board and whether
 * the watts were measured or estimated, and every inference in a table.
 * The page loads nothing (its Content-Security-Policy forbids it); the
 * session is embedded as JSON in `<script id="tinyedge-bench-data">`, and a
 * small inline script adds a hover readout.
 *
 * @param session - what `runBenchSession` returned
 * @returns the HTML document
 * @example
 * ```ts
 * await writeFile('bench.html', renderBenchReport(await runBenchSession()));
 * ```
 */
export function renderBenchReport(session: BenchSession): string {
  const names = session.models.map((m) => m.name).join(', ');
  const title = `tinyedge bench: ${names} on ${session.board.name}`;
  const started = session.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${REPORT_STYLE}</style></head>
<body><main>
<header><div><div class="brand">tinyedge bench</div><h1>${e(names)} on ${e(session.board.name)}</h1>
<p class="sub">${e(started)} · ${fixed(session.durationS, 1)} s · ${session.inferences.length} inferences · power ${e(session.power.kind)} (${e(session.power.source)})</p></div>
<span class="pill ${session.power.kind === 'estimated' ? 'estimated' : 'measured'}">${session.power.kind === 'estimated' ? 'ESTIMATED POWER' : 'MEASURED POWER'}</span></header>
<div class="grid">${session.models.map((m, i) => modelCard(m, i, session)).join('\n')}
${boardCard(session)}</div>
${charts(session)}
<div class="grid" style="margin-top: 14px">${ladder(session)}
<section class="card"><h2>How this was measured</h2><p class="note" style="margin-top: 0">Each model was loaded and then run for a few seconds, one inference at a time with a pause after each, on one thread.
Energy per inference is the trapezoid integral of the power samples from the model's <code>inference:start</code> to <code>inference:end</code> (gross: idle power included).
Peak RSS is the whole process (Node and the inference worker) while the model was loaded. Speed figures are medians after each model's first request.</p>
<p class="note">Node ${e(session.machine.node)} on ${e(session.machine.os)} · tinyedge ${e(session.tinyedge)} · process peak RSS ${fixed(session.processPeakRssMb, 0)} MB</p></section></div>
${inferenceTable(session)}
<footer>Made by <code>tinyedge bench --report</code>. This page is self-contained: it loads no scripts, fonts or images from anywhere.
The data behind it is embedded below as JSON (the object <code>tinyedge bench --json</code> prints).</footer>
</main>
<script type="application/json" id="tinyedge-bench-data">${jsonForScript(session)}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>
`;
}

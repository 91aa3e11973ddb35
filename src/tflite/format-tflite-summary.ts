import type { TfliteModelSummary, TfliteTensorSummary } from './tflite-model-summary.js';

/**
 * Renders a model summary as the plain-text report `tinyedge inspect`
 * prints: a header line, inputs and outputs, operators with counts, and
 * constant data by dtype with each dtype's share of the bytes. Plain ASCII
 * with aligned columns and no colour, so it reads the same in a log file.
 *
 * @param summary - from `summarizeTfliteModel`
 * @returns the report, lines joined with `\n`, ending with a newline
 *
 * @example
 * ```ts
 * process.stdout.write(formatTfliteSummary(summarizeTfliteModel(readTfliteModel(bytes))));
 * ```
 */
export function formatTfliteSummary(summary: TfliteModelSummary): string {
  const s = summary;
  const lines: string[] = [];
  const plural = (n: number, word: string): string => `${int(n)} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    `TFLite schema v${s.version}, ${int(s.fileSize)} bytes (${humanBytes(s.fileSize)})` +
      (s.description === '' ? '' : `, "${oneLine(s.description)}"`),
  );
  lines.push(
    [plural(s.subgraphCount, 'subgraph'), plural(s.operatorCount, 'operator'), plural(s.tensorCount, 'tensor'),
      plural(s.parameterCount, 'parameter')].join(', '),
  );

  const io = (title: string, tensors: TfliteTensorSummary[]): void => {
    lines.push('', title);
    if (tensors.length === 0) lines.push('  (none)');
    else lines.push(...table(tensors.map((t) => [oneLine(t.name), t.dtype, `[${t.shape.join(', ')}]`]), 'lll'));
  };
  io('inputs', s.inputs);
  io('outputs', s.outputs);

  lines.push('', 'operators');
  if (s.operators.length === 0) lines.push('  (none)');
  else lines.push(...table(s.operators.map((o) => [o.custom ? `${oneLine(o.name)} (custom)` : o.name, int(o.count)]), 'lr'));

  lines.push('', 'constant data by dtype');
  if (s.bytesByDtype.length === 0) {
    lines.push('  (none)');
  } else {
    const share = (bytes: number): string => (s.constantBytes > 0 ? `${((100 * bytes) / s.constantBytes).toFixed(1)}%` : '-');
    const rows = [['dtype', 'parameters', 'bytes', 'share']];
    for (const d of s.bytesByDtype) rows.push([d.dtype, int(d.parameters), int(d.bytes), share(d.bytes)]);
    rows.push(['total', int(s.parameterCount), int(s.constantBytes), share(s.constantBytes)]);
    lines.push(...table(rows, 'lrrr'));
  }

  if (s.signatures.length > 0 || s.metadata.length > 0) lines.push('');
  if (s.signatures.length > 0) lines.push(`signatures: ${s.signatures.map(oneLine).join(', ')}`);
  if (s.metadata.length > 0) lines.push(`metadata: ${s.metadata.map(oneLine).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Rows padded into columns, indented by two spaces; `align` has one `l` or `r` per column. */
function table(rows: string[][], align: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    `  ${row.map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
}

/** `1234567` as `1,234,567`. */
function int(n: number): string {
  return n.toLocaleString('en-US');
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Names come from the file: keep control characters from breaking the layout or the terminal. */
function oneLine(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

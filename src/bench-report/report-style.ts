/** The report page's style sheet, inlined in its `<style>`: system fonts only, light and dark. */
export const REPORT_STYLE = `
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #14171f; --muted: #5d6675; --line: #e3e6ec; --grid: #eceef2;
  --trace: #0f766e; --trace-fill: rgba(15, 118, 110, 0.12); --rss: #6d28d9; --rss-fill: rgba(109, 40, 217, 0.10);
  --measured: #047857; --measured-bg: #d1fae5; --estimated: #92400e; --estimated-bg: #fef3c7;
  --m0: #2563eb; --m1: #db2777; --m2: #ea580c; --m3: #7c3aed; --m4: #0891b2; --m5: #65a30d;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1218; --card: #171b23; --ink: #e8ebf1; --muted: #98a2b3; --line: #2a303c; --grid: #232833;
    --trace: #2dd4bf; --trace-fill: rgba(45, 212, 191, 0.12); --rss: #a78bfa; --rss-fill: rgba(167, 139, 250, 0.12);
    --measured: #6ee7b7; --measured-bg: #064e3b; --estimated: #fcd34d; --estimated-bg: #451a03;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 20px 40px; }
header { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px; flex-wrap: wrap; margin-bottom: 18px; }
.brand { font-size: 13px; font-weight: 700; letter-spacing: .08em; text-transform: uppercase; color: var(--trace); }
h1 { font-size: 26px; margin: 2px 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.sub, .muted { color: var(--muted); }
.sub { margin: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 14px; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; }
.model-card { border-top: 4px solid var(--accent); }
.model-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 12px; }
.model-name { font-size: 19px; font-weight: 700; margin: 0; }
.model-origin { font-size: 13px; color: var(--muted); margin: 2px 0 0; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px 12px; margin-top: 14px; }
.figure .value { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.figure .unit { font-size: 13px; color: var(--muted); margin-left: 2px; font-weight: 500; }
.figure .name { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.badge { color: #fff; font-weight: 800; font-size: 30px; line-height: 1; padding: 8px 26px 8px 12px;
  clip-path: polygon(0 0, calc(100% - 14px) 0, 100% 50%, calc(100% - 14px) 100%, 0 100%); text-shadow: 0 1px 2px rgba(0,0,0,.35); }
.badge small { display: block; font-size: 10px; font-weight: 600; letter-spacing: .06em; opacity: .9; }
.band-A { background: #00a651; } .band-B { background: #50b848; } .band-C { background: #a8c62b; } .band-D { background: #e6c700; }
.band-E { background: #fdb913; } .band-F { background: #f37021; } .band-G { background: #ed1c24; } .band-none { background: #8a94a6; }
.pill { display: inline-block; font-size: 12px; font-weight: 800; letter-spacing: .08em; padding: 3px 10px; border-radius: 999px; }
.pill.measured { color: var(--measured); background: var(--measured-bg); }
.pill.estimated { color: var(--estimated); background: var(--estimated-bg); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 10px 0 0; font-size: 14px; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; }
.note { font-size: 13px; color: var(--muted); margin: 10px 0 0; }
.warning { background: var(--estimated-bg); color: var(--estimated); border-radius: 8px; padding: 8px 12px; font-size: 14px; margin: 0 0 10px; }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; color: var(--muted); }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; background: var(--swatch); }
.chart { width: 100%; height: auto; display: block; touch-action: none; }
.chart .grid { stroke: var(--grid); stroke-width: 1; }
.chart .axis, .chart .tick-mark { stroke: var(--muted); stroke-width: 1; }
.chart .tick, .chart .axis-unit { fill: var(--muted); font-size: 12px; }
.chart .axis-unit { font-weight: 700; }
.chart .trace { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.chart .power { stroke: var(--trace); }
.chart .power-area { fill: var(--trace-fill); }
.chart.estimated .power { stroke-dasharray: 7 4; }
.chart .rss { stroke: var(--rss); }
.chart .rss-area { fill: var(--rss-fill); }
.chart .inference { fill-opacity: .22; }
.chart .model-0 { fill: var(--m0); } .chart .model-1 { fill: var(--m1); } .chart .model-2 { fill: var(--m2); }
.chart .model-3 { fill: var(--m3); } .chart .model-4 { fill: var(--m4); } .chart .model-5 { fill: var(--m5); }
.chart rect.load { fill: var(--muted); fill-opacity: .10; }
.chart .span-label { fill: var(--muted); font-size: 11px; paint-order: stroke; stroke: var(--card); stroke-width: 3px; }
.chart .reference { stroke: var(--muted); stroke-dasharray: 4 4; stroke-width: 1.2; }
.chart .reference-label { fill: var(--muted); font-size: 12px; paint-order: stroke; stroke: var(--card); stroke-width: 4px; stroke-linejoin: round; }
.chart .cursor { stroke: var(--ink); stroke-width: 1; opacity: .5; }
.chart .cursor-dot { fill: var(--trace); stroke: var(--card); stroke-width: 2; }
.chart rect.inference:hover { fill-opacity: .4; }
.readout { font-size: 13px; color: var(--muted); min-height: 20px; margin: 4px 0 0 58px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
th { color: var(--muted); font-weight: 600; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; background: var(--accent); }
details summary { cursor: pointer; color: var(--muted); margin-bottom: 8px; }
.ladder { display: grid; gap: 4px; }
.rung { display: flex; align-items: center; gap: 10px; }
.rung .bar { color: #fff; font-weight: 800; padding: 3px 22px 3px 10px; text-shadow: 0 1px 2px rgba(0,0,0,.35);
  clip-path: polygon(0 0, calc(100% - 11px) 0, 100% 50%, calc(100% - 11px) 100%, 0 100%); font-size: 14px; }
.rung .bar { flex: none; }
.rung .range { font-size: 12px; color: var(--muted); min-width: 150px; white-space: nowrap; }
.rung .who { font-size: 13px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
footer { color: var(--muted); font-size: 12px; margin-top: 18px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .95em; }
`;

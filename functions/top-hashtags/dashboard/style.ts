/** The dashboard's stylesheet (inlined into the page: no request beyond the API). */
export const DASHBOARD_CSS = `
:root {
  --bg: #0a0f1c;
  --panel: #111829;
  --panel-edge: #1c2640;
  --ink: #e8edf8;
  --ink-soft: #a9b4cc;
  --ink-faint: #6b7895;
  --accent: #38bdf8;
  --accent-2: #818cf8;
  --good: #34d399;
  --warn: #fbbf24;
  --bad: #f87171;
  --iss: #fbbf24;
  --land: #24355a;
  --land-edge: #31446f;
  --ocean: #0c1426;
  --grid: #17213a;
  --radius: 14px;
  --font: "Inter", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  color-scheme: dark;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--ink); font-family: var(--font); }
body { min-height: 100vh; font-size: 15px; line-height: 1.45; -webkit-font-smoothing: antialiased; }
.num { font-variant-numeric: tabular-nums; }
.wrap { max-width: 1440px; margin: 0 auto; padding: 28px 32px 36px; }

header.top { display: flex; align-items: flex-end; justify-content: space-between; gap: 24px; flex-wrap: wrap; margin-bottom: 22px; }
.brand h1 { margin: 0; font-size: 26px; font-weight: 700; letter-spacing: -0.02em; }
.brand h1 .hash { color: var(--accent); margin-right: 2px; }
.brand p { margin: 4px 0 0; color: var(--ink-soft); font-size: 14px; }
.controls { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.seg { display: inline-flex; background: var(--panel); border: 1px solid var(--panel-edge); border-radius: 999px; padding: 3px; }
.seg button { font: inherit; font-size: 13px; color: var(--ink-soft); background: none; border: 0; border-radius: 999px; padding: 6px 14px; cursor: pointer; }
.seg button[aria-pressed="true"] { background: #1d2a48; color: var(--ink); font-weight: 600; }
.seg button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.status { display: inline-flex; align-items: center; gap: 8px; font-size: 13px; color: var(--ink-soft); padding: 6px 12px; border-radius: 999px; background: var(--panel); border: 1px solid var(--panel-edge); }
.status .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--ink-faint); }
.status[data-state="live"] .dot { background: var(--good); box-shadow: 0 0 0 0 rgba(52, 211, 153, 0.6); animation: pulse 2s infinite; }
.status[data-state="error"] { color: #fecaca; border-color: #5b2330; }
.status[data-state="error"] .dot { background: var(--bad); }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 rgba(52, 211, 153, 0.55); } 70% { box-shadow: 0 0 0 8px rgba(52, 211, 153, 0); } 100% { box-shadow: 0 0 0 0 rgba(52, 211, 153, 0); } }

.kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; margin-bottom: 16px; }
.kpi { background: var(--panel); border: 1px solid var(--panel-edge); border-radius: var(--radius); padding: 14px 18px 16px; }
.kpi .label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.08em; color: var(--ink-faint); font-weight: 600; }
.kpi .value { font-size: 30px; font-weight: 700; letter-spacing: -0.02em; margin-top: 4px; }
.kpi .sub { font-size: 13px; color: var(--ink-soft); margin-top: 2px; min-height: 19px; }
.kpi .sub b { color: var(--ink); font-weight: 600; }

.grid { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 16px; align-items: stretch; }
.side { display: grid; gap: 16px; }
.card { background: var(--panel); border: 1px solid var(--panel-edge); border-radius: var(--radius); padding: 18px 20px 20px; }
.card h2 { margin: 0; font-size: 16px; font-weight: 650; letter-spacing: -0.005em; }
.card .head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; margin-bottom: 14px; }
.card .meta { font-size: 13px; color: var(--ink-soft); text-align: right; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; letter-spacing: 0.06em; text-transform: uppercase; padding: 2px 8px; border-radius: 999px; margin-left: 8px; vertical-align: 1px; }
.badge.open { background: rgba(56, 189, 248, 0.14); color: var(--accent); }
.badge.closed { background: rgba(148, 163, 184, 0.14); color: var(--ink-soft); }

.bars { position: relative; list-style: none; margin: 0; padding: 0; transition: height 0.3s ease; }
.bar { position: absolute; left: 0; right: 0; height: 44px; display: grid; grid-template-columns: 30px minmax(0, 1fr) 72px; align-items: center; gap: 12px; transition: transform 0.6s cubic-bezier(0.2, 0.8, 0.2, 1), opacity 0.4s; }
.bar .rank { color: var(--ink-faint); font-weight: 700; font-size: 14px; text-align: right; }
.bar .track { position: relative; height: 34px; border-radius: 8px; background: rgba(255, 255, 255, 0.025); overflow: hidden; }
.bar .fill { position: absolute; inset: 0 auto 0 0; width: 0; border-radius: 8px; background: linear-gradient(90deg, rgba(56, 189, 248, 0.55), rgba(129, 140, 248, 0.85)); transition: width 0.6s cubic-bezier(0.2, 0.8, 0.2, 1); }
.bar.top .fill { background: linear-gradient(90deg, rgba(56, 189, 248, 0.75), rgba(129, 140, 248, 1)); }
.bar .tag { position: absolute; left: 12px; top: 0; bottom: 0; display: flex; align-items: center; font-weight: 600; font-size: 15px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; right: 8px; text-shadow: 0 1px 2px rgba(0, 0, 0, 0.45); }
.bar .count { text-align: right; font-weight: 700; font-size: 17px; }
.bar .share { display: block; font-size: 11px; font-weight: 500; color: var(--ink-faint); }
.note { margin: 14px 0 0; font-size: 12px; color: var(--ink-faint); }
.empty { color: var(--ink-soft); font-size: 14px; padding: 28px 8px; text-align: center; border: 1px dashed var(--panel-edge); border-radius: 10px; }
.empty b { color: var(--ink); }
.empty code { font-family: var(--mono); font-size: 13px; color: var(--accent); }

svg { display: block; width: 100%; height: auto; }
.history .axis { fill: var(--ink-faint); font-size: 11px; font-family: var(--font); }
.history .gridline { stroke: var(--grid); stroke-width: 1; }
.history .col { fill: url(#colFill); }
.history .col.current { fill: rgba(56, 189, 248, 0.28); stroke: var(--accent); stroke-width: 1; stroke-dasharray: 3 3; }
.history .val { fill: var(--ink-soft); font-size: 11px; font-family: var(--font); text-anchor: middle; }

.map { border-radius: 10px; overflow: hidden; background: var(--ocean); }
.map .land { fill: var(--land); stroke: var(--land-edge); stroke-width: 0.8; stroke-linejoin: round; }
.map .graticule { stroke: var(--grid); stroke-width: 1; fill: none; }
.map .equator { stroke: #22304f; stroke-width: 1.2; stroke-dasharray: 6 6; fill: none; }
.map .trail { stroke: var(--iss); stroke-width: 2.5px; vector-effect: non-scaling-stroke; fill: none; stroke-linecap: round; }
.map .iss-ring { fill: none; stroke: var(--iss); stroke-width: 2px; vector-effect: non-scaling-stroke; opacity: 0.8; transform-box: fill-box; transform-origin: center; animation: ring 2.4s ease-out infinite; }
.map .iss-dot { fill: var(--iss); stroke: #0a0f1c; stroke-width: 2px; vector-effect: non-scaling-stroke; }
.map .iss-label { fill: var(--iss); font: 700 44px var(--font); letter-spacing: 0.04em; paint-order: stroke; stroke: #0c1426; stroke-width: 10px; stroke-linejoin: round; }
@keyframes ring { 0% { transform: scale(0.6); opacity: 0.9; } 100% { transform: scale(2.4); opacity: 0; } }
.iss-facts { display: flex; gap: 22px; flex-wrap: wrap; margin-top: 12px; font-size: 13px; color: var(--ink-soft); }
.iss-facts b { display: block; color: var(--ink); font-size: 15px; font-weight: 600; }

footer { margin-top: 20px; font-size: 12px; color: var(--ink-faint); display: flex; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
footer a { color: var(--ink-soft); }

@media (max-width: 1080px) {
  .grid { grid-template-columns: minmax(0, 1fr); }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 560px) {
  .wrap { padding: 18px 14px 28px; }
  .kpi .value { font-size: 24px; }
}
@media (prefers-reduced-motion: reduce) {
  * { animation: none !important; transition: none !important; }
}
`;

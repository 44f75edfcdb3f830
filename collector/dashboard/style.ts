// dashboard.css, served as it is written here. Colours are picked for WCAG AA:
// text at least 4.5:1 on its background, bars at least 3:1 on their track.
export const style = String.raw`:root {
  --text: #1a1a1a;
  --muted: #4b5563;
  --line: #d1d5db;
  --panel: #ffffff;
  --page: #f3f4f6;
  --accent: #1d4ed8;
  --track: #e5e7eb;
  --good: #15803d;
  --neutral: #6b7280;
  --warn: #b45309;
  --bad: #b91c1c;
  color-scheme: light;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--text);
  background: var(--page);
}

* { box-sizing: border-box; }
body { margin: 0; }
main, .top, footer { max-width: 80rem; margin: 0 auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; margin: 0; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1rem; margin-top: 1.25rem; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.top { padding-top: 1.25rem; }
.top p, .help, .explain, .note, caption, footer { color: var(--muted); }
footer { padding-block: 2rem; font-size: 0.875rem; }
a { color: var(--accent); }
[hidden] { display: none !important; }

.skip { position: absolute; left: -100vw; }
.skip:focus { left: 1rem; top: 1rem; background: var(--panel); padding: 0.5rem; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }

/* Forms */
#access, #filters { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-top: 1rem; }
#access h2, #filters h2 { margin-bottom: 0.5rem; }
label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
input, select, button { font: inherit; color: inherit; min-height: 2.5rem; border-radius: 6px; }
input, select { border: 1px solid #6b7280; background: #fff; padding: 0.25rem 0.5rem; min-width: 0; max-width: 100%; }
input[aria-invalid="true"] { border-color: var(--bad); border-width: 2px; }
button { border: 1px solid var(--accent); background: var(--accent); color: #fff; padding: 0.25rem 0.9rem; cursor: pointer; }
button[type="button"] { background: #fff; color: var(--accent); }
button:disabled { opacity: 0.6; cursor: progress; }
.row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.row input { flex: 1 1 12rem; }
.help { font-size: 0.875rem; margin: 0.5rem 0 0; }
.message { margin: 0.5rem 0 0; color: var(--bad); font-weight: 600; }
.message:empty { display: none; }
.controls { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr)); }
.control input, .control select { width: 100%; }
.control .row input { width: auto; }
.chips { list-style: none; display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0; margin: 0.75rem 0; }
.chips:empty { margin: 0; }
.chips li { display: flex; align-items: center; gap: 0.25rem; background: #eff6ff; border: 1px solid #93c5fd; border-radius: 999px; padding: 0 0 0 0.75rem; overflow-wrap: anywhere; }
.chips button { min-height: 2rem; min-width: 2rem; border-radius: 999px; padding: 0; border: 0; background: transparent; }
.summary { margin: 1rem 0 0; }

/* Panels */
.panels { display: grid; gap: 1rem; margin-top: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 30rem), 1fr)); align-items: start; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; min-width: 0; }
/* their tables are wide: the full row */
#retention, #health { grid-column: 1 / -1; }
.panel-head { display: flex; flex-wrap: wrap; gap: 0.5rem; justify-content: space-between; align-items: center; }
.csv { min-height: 2.25rem; font-size: 0.875rem; }
.explain { margin: 0.25rem 0 0.5rem; }
.status { margin: 0; }
.status:empty { display: none; }
.status.error { color: var(--bad); background: #fef2f2; border-left: 4px solid var(--bad); padding: 0.5rem 0.75rem; overflow-wrap: anywhere; }
.panel[aria-busy="true"] .body { opacity: 0.5; }
.empty { color: var(--muted); font-style: italic; }
.badge { font-size: 0.75rem; font-weight: 600; color: #92400e; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 999px; padding: 0.1rem 0.5rem; }

.figures { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); margin: 0.75rem 0; }
.figures div { border-left: 3px solid var(--line); padding-left: 0.6rem; }
.figures dt { font-size: 0.875rem; color: var(--muted); }
.figures dd { margin: 0; }
.figures .value { display: block; font-size: 1.35rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.figures .note { display: block; font-size: 0.8rem; }

/* Tables */
.scroll { overflow-x: auto; margin: 0.75rem 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-size: 0.875rem; font-weight: 600; padding-bottom: 0.25rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 0.8rem; color: var(--muted); text-align: right; white-space: nowrap; }
thead th:first-child, tbody th { text-align: left; }
td { text-align: right; white-space: nowrap; }
tbody th { font-weight: 500; overflow-wrap: break-word; min-width: 7rem; }

.bars { margin: 0.75rem 0; table-layout: fixed; }
.bars thead th:first-child { width: 45%; }
.bars thead th { text-align: left; }
.bars tbody th { min-width: 0; }
.bars td { text-align: left; white-space: normal; }
.bars .value { font-weight: 600; }
.bars .note { display: block; font-size: 0.8rem; }
.track { display: block; height: 0.7rem; background: var(--track); border-radius: 3px; overflow: hidden; margin: 0.3rem 0 0.2rem; }
.fill { display: block; height: 100%; background: var(--accent); }
.fill.excellent, .fill.healthy, .fill.good { background: var(--good); }
.fill.neutral { background: var(--neutral); }
.fill.needsImprovement, .fill.atRisk { background: var(--warn); }
.fill.critical, .fill.bad { background: var(--bad); }

.columns th, .columns td { text-align: center; padding: 0.1rem; min-width: 1.2rem; border: 0; }
.columns tbody th, .columns thead th:first-child { text-align: left; min-width: 0; font-size: 0.75rem; color: var(--muted); font-weight: 600; }
.column { display: flex; align-items: flex-end; height: 3rem; background: var(--track); border-radius: 3px; overflow: hidden; }
.column .fill { width: 100%; height: 0; }
.columns .value { font-size: 0.8rem; }

.band.critical, .band.atRisk { color: var(--bad); font-weight: 600; }

/* Retention heatmap: ten steps of blue, dark text up to h6 and white from h7 (both 4.5:1 or more) */
.heatmap td.heat { color: var(--text); }
.heat.h0 { background: #f8fafc; }
.heat.h1 { background: #eff6ff; }
.heat.h2 { background: #dbeafe; }
.heat.h3 { background: #bfdbfe; }
.heat.h4 { background: #93c5fd; }
.heat.h5 { background: #60a5fa; }
.heat.h6 { background: #3b82f6; }
.heatmap td.h7, .heatmap td.h8, .heatmap td.h9, .heatmap td.h10 { color: #fff; }
.heat.h7 { background: #2563eb; }
.heat.h8 { background: #1d4ed8; }
.heat.h9 { background: #1e40af; }
.heat.h10 { background: #1e3a8a; }

/* Phones: less padding, so the figures keep two columns at 320 px */
@media (max-width: 30rem) {
  main, .top, footer { padding-inline: 0.5rem; }
  #access, #filters, .panel { padding: 0.75rem; }
}

@media (forced-colors: active) {
  .fill { forced-color-adjust: none; background: Highlight !important; }
  .track, .column { border: 1px solid CanvasText; }
}
@media (prefers-reduced-motion: no-preference) {
  .fill { transition: width 0.3s, height 0.3s; }
}
`

/**
 * The dashboard: one static page and one script, no build step and no CDN. The script polls
 * /dashboard/data.json and draws uPlot charts per model, one line per version/channel, so a
 * canary sits next to stable on every chart, with a side-by-side table of the totals.
 */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>modelship — monitoring</title>
<link rel="stylesheet" href="/dashboard/uPlot.min.css">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  .note { color: #666; margin: 0 0 1rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1rem; }
  .chart h3 { font-size: .95rem; margin: 0 0 .25rem; font-weight: 600; }
  table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  #auth { display: none; margin: 1rem 0; }
</style>
</head>
<body>
<h1>modelship — what the devices report</h1>
<p class="note">Aggregated reports only (counts, latency histograms, drift figures); no input ever leaves a device. One line per version and channel. Accuracy on feedback counts only what users chose to send (POST /feedback). Refreshes every 5 s.</p>
<form id="auth"><label>Token <input id="token" type="password" autocomplete="off"></label> <button>Show</button></form>
<div id="models"><p class="note" id="empty">No reports yet.</p></div>
<script src="/dashboard/uPlot.iife.min.js"></script>
<script src="/dashboard/dashboard.js"></script>
</body>
</html>
`;
}

export function dashboardScript(): string {
  return `'use strict';
(() => {
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  const charts = new Map();
  const authForm = document.getElementById('auth');
  authForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('modelship-dashboard-token', document.getElementById('token').value);
    authForm.style.display = 'none';
    refresh();
  });

  function quantile(bounds, counts, q) {
    const total = counts.reduce((a, b) => a + b, 0);
    if (!total) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) { seen += counts[i]; if (seen >= rank) return bounds[Math.min(i, bounds.length - 1)]; }
    return bounds[bounds.length - 1];
  }
  const label = (s) => s.version + ' (' + s.channel + ')';

  function chart(container, id, title, times, lines, unit) {
    const key = id;
    const data = [times, ...lines.map((l) => l.values)];
    const existing = charts.get(key);
    if (existing && existing.series.length === lines.length + 1) { existing.setData(data); return; }
    if (existing) { existing.destroy(); charts.delete(key); }
    const box = document.createElement('div');
    box.className = 'chart';
    box.id = id;
    box.innerHTML = '<h3></h3>';
    box.querySelector('h3').textContent = title;
    container.appendChild(box);
    const plot = new uPlot({
      width: Math.min(560, Math.max(320, container.clientWidth / 2 - 24)), height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: unit, size: 60 }],
      series: [{}, ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[l.color % COLORS.length], width: 2, dash: l.dash, spanGaps: true }))],
    }, data, box);
    charts.set(key, plot);
  }

  function render(payload) {
    const root = document.getElementById('models');
    const byModel = new Map();
    for (const s of payload.series) { if (!byModel.has(s.model)) byModel.set(s.model, []); byModel.get(s.model).push(s); }
    document.getElementById('empty').style.display = byModel.size ? 'none' : '';
    for (const [model, series] of byModel) {
      let section = document.getElementById('model-' + model);
      if (!section) {
        section = document.createElement('section');
        section.id = 'model-' + model;
        section.innerHTML = '<h2></h2><table class="totals"></table><div class="charts"></div>';
        section.querySelector('h2').textContent = model;
        root.appendChild(section);
      }
      const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
      const at = (s, f) => times.map((t) => { const p = s.points.find((x) => x.t === t); return p ? f(p) : null; });
      const grid = section.querySelector('.charts');
      const secs = times.map((t) => t / 1000);
      chart(grid, model + '-latency', 'predict() latency, p50 and p95 (ms)', secs, series.flatMap((s, i) => [
        { label: label(s) + ' p50', color: i, values: at(s, (p) => quantile(p.latency.boundsMs, p.latency.counts, 0.5)) },
        { label: label(s) + ' p95', color: i, dash: [6, 4], values: at(s, (p) => quantile(p.latency.boundsMs, p.latency.counts, 0.95)) },
      ]), 'ms');
      const routes = [...new Set(series.flatMap((s) => s.points.flatMap((p) => Object.keys(p.routes))))].sort();
      chart(grid, model + '-routes', 'predictions by route', secs, series.flatMap((s, i) => routes.map((r, j) => ({ label: label(s) + ' ' + r, color: i, dash: j ? [6, 4] : undefined, values: at(s, (p) => p.routes[r] || 0) }))), 'count');
      chart(grid, model + '-errors', 'errors', secs, series.map((s, i) => ({ label: label(s), color: i, values: at(s, (p) => p.errors) })), 'count');
      chart(grid, model + '-abstain', 'abstention rate', secs, series.map((s, i) => ({ label: label(s), color: i, values: at(s, (p) => (p.predictions ? p.abstentions / p.predictions : null)) })), 'share');
      chart(grid, model + '-drift', 'drift: worst Jensen–Shannon distance over the window', secs, series.map((s, i) => ({ label: label(s), color: i, values: at(s, (p) => { const v = Object.values(p.drift); return v.length ? Math.max(...v) : null; }) })), 'distance');

      const total = (s, f) => s.points.reduce((a, p) => a + f(p), 0);
      const merged = (s) => { const c = []; for (const p of s.points) p.latency.counts.forEach((n, i) => (c[i] = (c[i] || 0) + n)); return c; };
      const rows = [
        ['predictions', (s) => total(s, (p) => p.predictions)],
        ['abstention rate', (s) => { const n = total(s, (p) => p.predictions); return n ? (100 * total(s, (p) => p.abstentions) / n).toFixed(1) + '%' : '–'; }],
        ['errors', (s) => total(s, (p) => p.errors)],
        ['latency p50 (ms)', (s) => { const q = quantile(s.points[0] ? s.points[0].latency.boundsMs : [], merged(s), 0.5); return q === null ? '–' : q; }],
        ['latency p95 (ms)', (s) => { const q = quantile(s.points[0] ? s.points[0].latency.boundsMs : [], merged(s), 0.95); return q === null ? '–' : q; }],
      ];
      // Accuracy on what users said the right answer was (POST /feedback), per version and channel.
      const tallies = payload.feedback && payload.feedback[model];
      if (tallies) {
        const tally = (s) => tallies[s.version + '@' + s.channel] || tallies[s.version];
        rows.push(['accuracy on feedback', (s) => { const t = tally(s); return t && t.count ? (100 * t.accuracy).toFixed(1) + '%' : '–'; }]);
        rows.push(['feedback items', (s) => { const t = tally(s); return t ? t.count : 0; }]);
      }
      const table = section.querySelector('table');
      table.replaceChildren();
      const head = table.insertRow();
      for (const text of ['', ...series.map(label)]) { const th = document.createElement('th'); th.textContent = text; head.appendChild(th); }
      for (const [name, f] of rows) { const tr = table.insertRow(); for (const text of [name, ...series.map((s) => String(f(s)))]) tr.insertCell().textContent = text; }
    }
  }

  async function refresh() {
    const token = sessionStorage.getItem('modelship-dashboard-token');
    const response = await fetch('/dashboard/data.json', { headers: token ? { authorization: 'Bearer ' + token } : {} });
    if (response.status === 401) { authForm.style.display = 'block'; return; }
    render(await response.json());
    document.body.dataset.rendered = String(Date.now());
  }
  refresh();
  setInterval(refresh, 5000);
})();
`;
}

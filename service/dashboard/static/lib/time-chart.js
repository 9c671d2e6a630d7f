// Time series with uPlot (served from node_modules by the service): one line per series, its
// confidence band filled between the interval's bounds, optional dashed reference lines (a
// budget), and a readout of the values under the cursor with their intervals and counts.

import { colour, isLarge, REFERENCE_COLOUR, translucent } from './palette.js';
import { el } from './ui.js';

const live = new Set();

/** Stops every chart drawn so far (before a page redraws its content). */
export function destroyTimeCharts() {
  for (const { chart, observer } of live) {
    observer.disconnect();
    chart.destroy();
  }
  live.clear();
}

const UTC = (seconds) => window.uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

/**
 * series: [{ label, points: [{ t (epoch ms), value, lower, upper, n }], band: boolean }]
 * refLines: [{ label, value }]
 * format(value) → text for the axis and the readout; nLabel names the count (e.g. "inspected").
 */
export function timeChart(container, { series, refLines = [], format, yLabel, yMax, nLabel = 'n', bandLabel = 'confidence interval' }) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const data = [times.map((t) => t / 1000)];
  const config = [{}];
  const bands = [];
  const meta = [];
  const large = isLarge();
  let plotted = 0;

  series.forEach((s, i) => {
    const values = new Array(times.length).fill(null);
    const lower = new Array(times.length).fill(null);
    const upper = new Array(times.length).fill(null);
    const ns = new Array(times.length).fill(null);
    for (const p of s.points) {
      const at = index.get(p.t);
      values[at] = p.value;
      lower[at] = p.lower ?? null;
      upper[at] = p.upper ?? null;
      ns[at] = p.n ?? null;
      if (p.value !== null && p.value !== undefined) plotted++;
    }
    const stroke = colour(i);
    data.push(values);
    config.push({ label: s.label, stroke, width: large ? 3 : 2, points: { show: true, size: large ? 8 : 5, fill: stroke }, spanGaps: false });
    const valueIndex = data.length - 1;
    meta.push({ label: s.label, values, lower, upper, ns });
    if (s.band) {
      data.push(upper, lower);
      config.push({ label: `${s.label} upper`, stroke: 'transparent', width: 0, points: { show: false } });
      config.push({ label: `${s.label} lower`, stroke: 'transparent', width: 0, points: { show: false } });
      bands.push({ series: [valueIndex + 1, valueIndex + 2], fill: translucent(stroke, 0.18) });
    }
  });
  for (const line of refLines) {
    data.push(times.map(() => line.value));
    config.push({ label: line.label, stroke: REFERENCE_COLOUR, width: large ? 3 : 2, dash: [8, 6], points: { show: false } });
  }

  const legend = el(
    'ul',
    { class: 'legend' },
    series.map((s, i) => el('li', {}, el('span', { class: `swatch c${i % 10}` }), s.label + (s.band ? ` (band: ${bandLabel})` : ''))),
    refLines.map((l) => el('li', {}, el('span', { class: 'swatch ref' }), l.label)),
  );
  const readout = el('p', { class: 'readout', 'aria-live': 'off' }, 'Point at the chart to read the values.');
  const plot = el('div', { class: 'plot' });
  container.append(plot, legend, readout);

  const font = `${large ? 18 : 12}px system-ui, sans-serif`;
  const axisFormat = (u, ticks) => ticks.map((v) => (v === null ? '' : format(v)));
  const width = () => Math.max(280, container.clientWidth || 600);
  const height = large ? 380 : 260;
  const chart = new window.uPlot(
    {
      width: width(),
      height,
      tzDate: UTC,
      legend: { show: false },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, yMax ?? Math.max(max * 1.1, 1e-9)] } },
      axes: [
        { font, stroke: '#111', size: large ? 80 : 50, grid: { stroke: '#e6e6e6' }, ticks: { stroke: '#8a8a8a' } },
        { font, stroke: '#111', values: axisFormat, label: yLabel, labelFont: font, size: large ? 90 : 64, grid: { stroke: '#e6e6e6' }, ticks: { stroke: '#8a8a8a' } },
      ],
      series: config,
      bands,
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined) return;
            const when = new Date(times[i]).toISOString().slice(0, 16).replace('T', ' ');
            const parts = meta
              .filter((m) => m.values[i] !== null)
              .map((m) => {
                const interval = m.lower[i] !== null && m.upper[i] !== null ? ` (${format(m.lower[i])} – ${format(m.upper[i])})` : '';
                const n = m.ns[i] !== null ? `, ${m.ns[i]} ${nLabel}` : '';
                return `${m.label}: ${format(m.values[i])}${interval}${n}`;
              });
            readout.textContent = `${when} UTC — ${parts.length > 0 ? parts.join('; ') : 'no data'}`;
          },
        ],
      },
    },
    data,
    plot,
  );
  let drawnWidth = width();
  const observer = new window.ResizeObserver(() => {
    if (width() === drawnWidth) return;
    drawnWidth = width();
    chart.setSize({ width: drawnWidth, height });
  });
  observer.observe(container);
  live.add({ chart, observer });
  container.dataset.points = String(plotted);
  container.dataset.state = 'ready';
  return chart;
}

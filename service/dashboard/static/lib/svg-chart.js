// Charts over categories (groups, features, bins) drawn as SVG: intervals per group, ranked bars,
// grouped histograms, and a calibration scatter with intervals. Presentation attributes only (no
// style attributes: the Content-Security-Policy forbids inline styles), text via textContent, and
// a <title> on every mark so hovering reads its numbers.

import { BAND_FILL, colour, FLAG_COLOUR, isLarge, REFERENCE_COLOUR } from './palette.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.append(svg('title', {}, text));
  return node;
}

function sizes() {
  const large = isLarge();
  return { font: large ? 18 : 12, row: large ? 40 : 28, stroke: large ? 3 : 2, dot: large ? 7 : 5 };
}

function canvas(container, height) {
  const width = Math.max(320, container.clientWidth || 640);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img' });
  container.append(root);
  return { root, width };
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(12)));
  return ticks;
}

/**
 * Round ticks over [min, reach] whose last tick is at or above `max`, so an axis that ends on its last
 * tick holds every value (niceTicks stops at the last round value not above its maximum). `reach`
 * (at least max) leaves headroom when that costs no extra tick.
 */
export function ticksCovering(min, max, reach = max, count = 5) {
  const ticks = niceTicks(min, reach, count);
  const last = ticks[ticks.length - 1];
  if (ticks.length > 1 && last < max) ticks.push(Number((last + (ticks[1] - ticks[0])).toFixed(12)));
  return ticks;
}

function logTicks(min, max) {
  const candidates = [0.1, 0.25, 0.5, 0.8, 1, 1.25, 2, 5, 10, 20, 50];
  return candidates.filter((v) => v >= min && v <= max);
}

function labelWidth(labels, font, width) {
  const longest = Math.max(4, ...labels.map((l) => l.length));
  return Math.min(width * 0.38, longest * font * 0.6 + 16);
}

function markDone(container, points) {
  container.dataset.points = String(points);
  container.dataset.state = 'ready';
}

/**
 * One row per group: a dot at the value and a whisker over its interval, on a linear or log axis.
 * rows: [{ label, value, lower, upper, marker: 'flag' | 'small' | 'reference' | null, note }]
 * band: { lower, upper } shaded; refLine: { value, label } dashed.
 */
export function intervalChart(container, { rows, min, max, format, axisLabel, band, refLine, log = false }) {
  const s = sizes();
  const top = s.font + 12;
  const height = top + rows.length * s.row + s.font * 3 + 10;
  const { root, width } = canvas(container, height);
  const displayed = (r) => `${r.marker === 'flag' ? '⚠ ' : ''}${r.label}${r.marker === 'small' ? ' (small)' : ''}${r.marker === 'reference' ? ' (reference)' : ''}`;
  const left = labelWidth(rows.map(displayed), s.font, width);
  const right = width - 24;
  const f = log ? Math.log : (v) => v;
  const x = (v) => left + ((f(Math.min(Math.max(v, min), max)) - f(min)) / (f(max) - f(min))) * (right - left);
  const bottom = top + rows.length * s.row;

  if (band) {
    root.append(titled(svg('rect', { x: x(band.lower), y: top - 4, width: Math.max(0, x(band.upper) - x(band.lower)), height: bottom - top + 8, fill: BAND_FILL }), `band ${format(band.lower)} to ${format(band.upper)}`));
  }
  const ticks = log ? logTicks(min, max) : niceTicks(min, max);
  for (const t of ticks) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: top - 4, y2: bottom + 4, stroke: '#e6e6e6' }));
    root.append(svg('text', { x: x(t), y: bottom + s.font + 8, 'text-anchor': 'middle', 'font-size': s.font }, format(t)));
  }
  if (axisLabel) root.append(svg('text', { x: (left + right) / 2, y: bottom + s.font * 2 + 14, 'text-anchor': 'middle', 'font-size': s.font, 'font-weight': 600 }, axisLabel));
  if (refLine && refLine.value !== null && refLine.value !== undefined) {
    root.append(svg('line', { x1: x(refLine.value), x2: x(refLine.value), y1: top - 4, y2: bottom + 4, stroke: REFERENCE_COLOUR, 'stroke-width': s.stroke, 'stroke-dasharray': '6 4' }));
    root.append(svg('text', { x: Math.min(x(refLine.value) + 4, right - 80), y: top - 6, 'font-size': s.font * 0.9 }, refLine.label));
  }

  let points = 0;
  rows.forEach((r, i) => {
    const y = top + i * s.row + s.row / 2;
    const markColour = r.marker === 'flag' ? FLAG_COLOUR : r.marker === 'reference' ? '#000' : r.marker === 'small' ? '#777' : colour(0);
    const label = displayed(r);
    root.append(svg('text', { x: left - 8, y: y + s.font * 0.35, 'text-anchor': 'end', 'font-size': s.font, 'font-weight': r.marker === 'flag' ? 700 : 400, fill: r.marker === 'flag' ? FLAG_COLOUR : null }, label));
    if (r.value === null || r.value === undefined) {
      root.append(svg('text', { x: left + 6, y: y + s.font * 0.35, 'font-size': s.font * 0.9, fill: '#555' }, r.note ?? 'no value'));
      return;
    }
    points++;
    const text = `${r.label}: ${format(r.value)}${r.lower !== null && r.lower !== undefined ? ` (${format(r.lower)} – ${format(r.upper)})` : ''}${r.note ? `, ${r.note}` : ''}`;
    const g = titled(svg('g', { 'data-group': r.label, 'data-marker': r.marker ?? 'none' }), text);
    if (r.lower !== null && r.lower !== undefined && r.upper !== null && r.upper !== undefined) {
      g.append(svg('line', { x1: x(r.lower), x2: x(r.upper), y1: y, y2: y, stroke: markColour, 'stroke-width': s.stroke }));
      for (const end of [r.lower, r.upper]) g.append(svg('line', { x1: x(end), x2: x(end), y1: y - s.dot, y2: y + s.dot, stroke: markColour, 'stroke-width': s.stroke }));
    }
    if (r.marker === 'reference') g.append(svg('rect', { x: x(r.value) - s.dot, y: y - s.dot, width: s.dot * 2, height: s.dot * 2, fill: markColour }));
    else g.append(svg('circle', { cx: x(r.value), cy: y, r: s.dot, fill: r.marker === 'small' ? '#fff' : markColour, stroke: markColour, 'stroke-width': s.stroke }));
    root.append(g);
  });
  markDone(container, points);
}

/**
 * Horizontal bars, one per row, coloured by level, with vertical marks (thresholds).
 * rows: [{ label, value, level: 'alert' | 'warn' | 'none' | 'insufficient_data', note }]
 * onSelect(row) makes rows clickable; selected names the highlighted row.
 */
export function barChart(container, { rows, marks = [], format, axisLabel, max, onSelect, selected }) {
  const s = sizes();
  // One line of labels per mark above the bars, so close marks (0.1 and 0.25) do not overlap.
  const top = (s.font + 4) * Math.max(1, marks.length) + 10;
  const height = top + rows.length * s.row + s.font * 3 + 10;
  const { root, width } = canvas(container, height);
  const left = labelWidth(rows.map((r) => r.label), s.font, width);
  const right = width - 24;
  const top$ = Math.max(max ?? 0, ...rows.map((r) => r.value ?? 0), ...marks.map((m) => m.value * 1.2));
  const x = (v) => left + (Math.min(Math.max(v, 0), top$) / top$) * (right - left);
  const bottom = top + rows.length * s.row;
  const fills = { alert: FLAG_COLOUR, warn: '#e69f00', none: '#009e73', insufficient_data: '#b8b8b8' };

  for (const t of niceTicks(0, top$)) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: top - 4, y2: bottom + 4, stroke: '#e6e6e6' }));
    root.append(svg('text', { x: x(t), y: bottom + s.font + 8, 'text-anchor': 'middle', 'font-size': s.font }, format(t)));
  }
  if (axisLabel) root.append(svg('text', { x: (left + right) / 2, y: bottom + s.font * 2 + 14, 'text-anchor': 'middle', 'font-size': s.font, 'font-weight': 600 }, axisLabel));
  let points = 0;
  rows.forEach((r, i) => {
    const y = top + i * s.row;
    const g = titled(svg('g', { 'data-row': r.label, 'data-level': r.level ?? '' }), `${r.label}: ${r.value === null ? 'no value' : format(r.value)}${r.note ? ` (${r.note})` : ''}`);
    if (onSelect) {
      g.setAttribute('cursor', 'pointer');
      g.addEventListener('click', () => onSelect(r));
    }
    if (r.label === selected) g.append(svg('rect', { x: 0, y, width, height: s.row, fill: '#e8f0fb' }));
    g.append(svg('text', { x: left - 8, y: y + s.row / 2 + s.font * 0.35, 'text-anchor': 'end', 'font-size': s.font, 'font-weight': r.label === selected ? 700 : 400 }, r.label));
    if (r.value !== null && r.value !== undefined) {
      points++;
      g.append(svg('rect', { x: left, y: y + s.row * 0.18, width: Math.max(1, x(r.value) - left), height: s.row * 0.64, fill: fills[r.level] ?? colour(0) }));
      const inside = x(r.value) + s.font * 3 > right;
      g.append(
        svg(
          'text',
          { x: inside ? x(r.value) - 4 : x(r.value) + 4, y: y + s.row / 2 + s.font * 0.35, 'font-size': s.font * 0.9, 'text-anchor': inside ? 'end' : 'start', fill: inside ? '#fff' : null, 'font-weight': inside ? 700 : null },
          format(r.value),
        ),
      );
    } else {
      g.append(svg('text', { x: left + 4, y: y + s.row / 2 + s.font * 0.35, 'font-size': s.font * 0.9, fill: '#555' }, r.note ?? 'no value'));
    }
    root.append(g);
  });
  marks.forEach((m, i) => {
    const labelY = (s.font + 4) * (i + 1);
    root.append(svg('line', { x1: x(m.value), x2: x(m.value), y1: labelY + 2, y2: bottom + 4, stroke: m.colour ?? '#111', 'stroke-width': s.stroke, 'stroke-dasharray': '6 4' }));
    root.append(svg('text', { x: x(m.value) + 3, y: labelY, 'font-size': s.font * 0.9, 'font-weight': 600, fill: m.colour ?? null }, m.label));
  });
  markDone(container, points);
}

/**
 * Vertical bars per category, one bar per series side by side (a histogram now vs at training).
 * categories: [label]; series: [{ label, values: [number] }].
 */
export function groupedBars(container, { categories, series, format, yLabel }) {
  const s = sizes();
  const plotHeight = isLarge() ? 320 : 220;
  const width = Math.max(320, container.clientWidth || 640);
  const left$ = s.font * 4.5;
  const slot = (width - 12 - left$) / Math.max(1, categories.length);
  const longest = Math.max(...categories.map((c) => c.length)) * s.font * 0.55;
  const rotate = longest > slot;
  // Rotated labels (35°) need room below the axis and, for the first one, to the left.
  const below = rotate ? longest * Math.sin(Math.PI / 5) + s.font * 2 : s.font * 2.5;
  const left = rotate ? Math.max(left$, longest * Math.cos(Math.PI / 5) - slot / 2 + 8) : left$;
  const { root } = canvas(container, s.font + plotHeight + below);
  const right = width - 12;
  const top = s.font;
  const bottom = top + plotHeight;
  const max = Math.max(1e-9, ...series.flatMap((x) => x.values.filter((v) => v !== null)));
  const ticks = ticksCovering(0, max, max * 1.05);
  const yMax = ticks[ticks.length - 1] || max;
  const y = (v) => bottom - (v / yMax) * (bottom - top);
  for (const t of ticks) {
    root.append(svg('line', { x1: left, x2: right, y1: y(t), y2: y(t), stroke: '#e6e6e6' }));
    root.append(svg('text', { x: left - 6, y: y(t) + s.font * 0.35, 'text-anchor': 'end', 'font-size': s.font }, format(t)));
  }
  if (yLabel) root.append(svg('text', { x: 12, y: (top + bottom) / 2, 'font-size': s.font, 'font-weight': 600, transform: `rotate(-90 12 ${(top + bottom) / 2})`, 'text-anchor': 'middle' }, yLabel));
  const step = (right - left) / Math.max(1, categories.length);
  const barWidth = Math.max(2, (step * 0.8) / series.length);
  let points = 0;
  categories.forEach((label, c) => {
    const x0 = left + c * step + step * 0.1;
    series.forEach((ser, k) => {
      const v = ser.values[c];
      if (v === null || v === undefined) return;
      points++;
      root.append(titled(svg('rect', { x: x0 + k * barWidth, y: y(v), width: barWidth - 1, height: Math.max(0, bottom - y(v)), fill: ser.colour ?? colour(k) }), `${label} — ${ser.label}: ${format(v)}`));
    });
    const cx = left + c * step + step / 2;
    root.append(
      svg(
        'text',
        { x: cx, y: bottom + s.font + 4, 'text-anchor': rotate ? 'end' : 'middle', 'font-size': s.font * 0.85, transform: rotate ? `rotate(-35 ${cx} ${bottom + s.font + 4})` : null },
        label,
      ),
    );
  });
  root.append(svg('line', { x1: left, x2: right, y1: bottom, y2: bottom, stroke: '#111' }));
  markDone(container, points);
}

/**
 * Predicted against observed, with each point's interval and the diagonal of perfect calibration.
 * points: [{ x, y, lower, upper, n }] in [0, 1].
 */
export function calibrationChart(container, { points, format, xLabel, yLabel }) {
  const s = sizes();
  const maxValue = Math.min(1, Math.max(0.05, ...points.flatMap((p) => [p.x, p.y, p.upper ?? 0])));
  let ticks = niceTicks(0, maxValue);
  const last = ticks[ticks.length - 1] ?? 1;
  if (last < maxValue) ticks = [...ticks, Number((last + (ticks[1] ?? last)).toFixed(12))];
  const top$ = Math.min(1, ticks[ticks.length - 1] || 1);
  ticks = ticks.filter((t) => t <= top$);
  const width = Math.max(320, container.clientWidth || 640);
  const plot = Math.min(width - s.font * 7, isLarge() ? 460 : 340);
  const left = s.font * 5;
  const top = s.font;
  const height = top + plot + s.font * 4;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img' });
  container.append(root);
  const x = (v) => left + (Math.min(v, top$) / top$) * plot;
  const y = (v) => top + plot - (Math.min(v, top$) / top$) * plot;
  for (const t of ticks) {
    root.append(svg('line', { x1: x(t), x2: x(t), y1: top, y2: top + plot, stroke: '#e6e6e6' }));
    root.append(svg('line', { x1: left, x2: left + plot, y1: y(t), y2: y(t), stroke: '#e6e6e6' }));
    root.append(svg('text', { x: x(t), y: top + plot + s.font + 6, 'text-anchor': 'middle', 'font-size': s.font }, format(t)));
    root.append(svg('text', { x: left - 6, y: y(t) + s.font * 0.35, 'text-anchor': 'end', 'font-size': s.font }, format(t)));
  }
  root.append(titled(svg('line', { x1: x(0), y1: y(0), x2: x(top$), y2: y(top$), stroke: REFERENCE_COLOUR, 'stroke-width': s.stroke, 'stroke-dasharray': '6 4' }), 'perfect calibration'));
  root.append(svg('text', { x: left + plot / 2, y: top + plot + s.font * 2 + 12, 'text-anchor': 'middle', 'font-size': s.font, 'font-weight': 600 }, xLabel));
  root.append(svg('text', { x: 12, y: top + plot / 2, 'font-size': s.font, 'font-weight': 600, 'text-anchor': 'middle', transform: `rotate(-90 12 ${top + plot / 2})` }, yLabel));
  for (const p of points) {
    const g = titled(svg('g'), `predicted ${format(p.x)}, observed ${format(p.y)}${p.lower !== null && p.lower !== undefined ? ` (${format(p.lower)} – ${format(p.upper)})` : ''}, ${p.n} inspected`);
    if (p.lower !== null && p.lower !== undefined) g.append(svg('line', { x1: x(p.x), x2: x(p.x), y1: y(p.lower), y2: y(p.upper), stroke: colour(0), 'stroke-width': s.stroke }));
    g.append(svg('circle', { cx: x(p.x), cy: y(p.y), r: s.dot, fill: colour(0) }));
    root.append(g);
  }
  markDone(container, points.length);
}

// Every chart's numbers as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma,
// a quote or a line break quoted, quotes doubled), built from the same JSON the chart draws.

function field(value) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Saves the CSV through a temporary object URL (a download: no page navigation, nothing leaves the browser). */
export function downloadCsv(filename, header, rows) {
  const blob = new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "accuracy-hit-rate-2025-03-01-2025-03-15.csv" from a page, a chart and the window answered. */
export function csvName(page, chart, window) {
  const span = window ? `-${String(window.from).slice(0, 10)}-${String(window.to).slice(0, 10)}` : '';
  return `${page}-${chart}${span}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
}

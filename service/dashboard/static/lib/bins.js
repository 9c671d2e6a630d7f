// Labels of fixed bins from their interior edges (model-card.ts: bin i holds [edges[i-1], edges[i])).

function short(v) {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2).replace(/0+$/, '').replace(/\.$/, '') : v.toPrecision(2);
}

export function binLabels(edges) {
  if (edges.length === 0) return ['all'];
  const labels = [`< ${short(edges[0])}`];
  for (let i = 1; i < edges.length; i++) labels.push(`${short(edges[i - 1])} – ${short(edges[i])}`);
  labels.push(`≥ ${short(edges[edges.length - 1])}`);
  return labels;
}

/** [lower, upper) of each bin, with null for the open ends (for CSV files). */
export function binBounds(edges) {
  const bounds = [];
  for (let i = 0; i <= edges.length; i++) bounds.push([i === 0 ? null : edges[i - 1], i === edges.length ? null : edges[i]]);
  return bounds;
}

// DOM helpers. Text always goes in through textContent (never innerHTML), so nothing the API
// returns can become markup.

/**
 * el('p', { class: 'x', dataset: { chart: 'a' } }, 'text', child) → element.
 * Attributes with value null, undefined or false are left out.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'text') node.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

const status = () => document.getElementById('status');

export function showStatus(text) {
  const node = status();
  node.classList.remove('error');
  node.textContent = text;
}

export function showError(error) {
  const node = status();
  node.classList.add('error');
  node.textContent = error instanceof Error ? error.message : String(error);
}

export function clearStatus() {
  showStatus('');
}

/** A headline figure. `key` names it for tests and the CSV of the tiles. */
export function tile(key, label, value, detail) {
  return el('div', { class: 'tile', dataset: { tile: key } }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), detail ? el('div', { class: 'detail' }, detail) : null);
}

/**
 * A table. columns: [{ label, cell(row) → string | Node, text?: true }]; rows: any[].
 * rowAttributes(row) may return { class, dataset, onclick, ... } for the <tr>.
 */
export function table(columns, rows, { caption, rowAttributes } = {}) {
  const head = el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', class: c.text ? 'text' : null }, c.label))));
  const body = el(
    'tbody',
    {},
    rows.map((row) => el('tr', rowAttributes ? rowAttributes(row) : {}, columns.map((c) => el('td', { class: c.text ? 'text' : null }, c.cell(row))))),
  );
  return el('div', { class: 'table-wrap' }, el('table', { class: 'data' }, caption ? el('caption', {}, caption) : null, head, body));
}

/** A value with its interval underneath, for table cells. */
export function withInterval(value, interval) {
  return [value, interval ? el('span', { class: 'ci' }, interval) : null];
}

export function badge(kind, text) {
  return el('span', { class: `badge ${kind}` }, text);
}

// The view is the URL: filters (from, to, port, model), page controls (step, attributes, feature…)
// and the display (text=large) all live in the query string, so copying the address shares
// exactly this view. Changing a control pushes a new URL and redraws; Back and Forward work.

import { getJson } from './api.js';
import { count, dateTime } from './format.js';
import { el } from './ui.js';

const WINDOW_PARAMETERS = ['from', 'to', 'port', 'model'];
/** Parameters every page shares, carried by the navigation links. */
const SHARED_PARAMETERS = [...WINDOW_PARAMETERS, 'text'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function params() {
  return new URLSearchParams(location.search);
}

export function param(name, fallback = '') {
  const value = params().get(name);
  return value === null || value === '' ? fallback : value;
}

/** The day after a YYYY-MM-DD date: the filter's "to" is inclusive, the API's exclusive. */
function dayAfter(text) {
  if (!DATE.test(text)) return text;
  const d = new Date(`${text}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The window filters as the monitoring API takes them (dates are UTC days). */
export function windowQuery() {
  const to = param('to');
  return { from: param('from') || undefined, to: to ? dayAfter(to) : undefined, port: param('port') || undefined, model: param('model') || undefined };
}

let redraw = () => {};

/** Sets (or, with '' / null, removes) parameters, pushes the URL and redraws. */
export function navigate(updates) {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(updates)) {
    if (value === null || value === undefined || value === '') url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  if (url.href === location.href) return;
  history.pushState(null, '', url);
  syncShell();
  redraw();
}

function syncShell() {
  const p = params();
  const large = p.get('text') === 'large';
  document.body.classList.toggle('large', large);
  const toggle = document.getElementById('large-type');
  if (toggle) toggle.setAttribute('aria-pressed', String(large));
  for (const link of document.querySelectorAll('a[data-nav]')) {
    const target = new URL(link.getAttribute('href'), location.origin);
    target.search = '';
    for (const name of SHARED_PARAMETERS) if (p.get(name)) target.searchParams.set(name, p.get(name));
    link.setAttribute('href', target.pathname + target.search);
  }
  const form = document.getElementById('filters');
  if (form) {
    for (const name of WINDOW_PARAMETERS) {
      const input = form.elements.namedItem(name);
      if (input && input.tagName === 'INPUT') input.value = p.get(name) ?? '';
    }
  }
}

function fillSelect(select, options, current, allLabel) {
  while (select.firstChild) select.firstChild.remove();
  select.append(el('option', { value: '' }, allLabel));
  const values = options.map((o) => o.value);
  if (current && !values.includes(current)) options = [{ value: current, decisions: 0 }, ...options];
  for (const option of options) {
    select.append(el('option', { value: option.value, selected: option.value === current }, `${option.value} (${count(option.decisions)} decisions)`));
  }
}

/** The port and model choices: those with decisions in the window (GET /v1/monitoring/dimensions). */
async function loadDimensions() {
  const form = document.getElementById('filters');
  if (!form) return;
  const q = windowQuery();
  try {
    const dimensions = await getJson('/v1/monitoring/dimensions', { from: q.from, to: q.to });
    fillSelect(form.elements.namedItem('port'), dimensions.ports, param('port'), 'All ports');
    fillSelect(form.elements.namedItem('model'), dimensions.models, param('model'), 'All versions');
  } catch {
    // The page's own request reports the problem.
  }
}

/** Shows the window the API actually answered (whole hours, UTC). */
export function showWindow(window) {
  const node = document.getElementById('window-answered');
  if (!node || !window) return;
  const parts = [`Showing ${dateTime(window.from)} to ${dateTime(window.to)}`];
  parts.push(window.port ? `port ${window.port}` : 'all ports');
  parts.push(window.model ? `model ${window.model}` : 'all model versions');
  node.textContent = `${parts.join(' · ')}. Dates are UTC days; "To" is included.`;
}

/**
 * Wires the shell (filters, large type, share link, navigation) and draws the page now and after
 * every change of view. `draw` is the page's async renderer.
 */
export function startPage(draw) {
  redraw = () => {
    void loadDimensions();
    void draw();
  };
  const form = document.getElementById('filters');
  if (form) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const updates = {};
      for (const name of WINDOW_PARAMETERS) updates[name] = form.elements.namedItem(name).value;
      navigate(updates);
    });
    const share = document.getElementById('share-view');
    share?.addEventListener('click', async () => {
      try {
        await window.navigator.clipboard.writeText(location.href);
        share.textContent = 'Link copied';
      } catch {
        share.textContent = 'Copy the address bar';
      }
      window.setTimeout(() => (share.textContent = 'Copy link to this view'), 2500);
    });
  }
  document.getElementById('large-type')?.addEventListener('click', () => navigate({ text: param('text') === 'large' ? '' : 'large' }));
  window.addEventListener('popstate', () => {
    syncShell();
    redraw();
  });
  syncShell();
  redraw();
}

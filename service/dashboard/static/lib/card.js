// A chart (or table) in a card with its title, what it shows, and a "Download CSV" button that
// saves exactly the numbers drawn.

import { downloadCsv } from './csv.js';
import { el } from './ui.js';

/**
 * key names the card for links and tests; csv() returns { filename, header, rows } at click time.
 * Returns the card and the element to draw into.
 */
export function chartCard({ key, title, description, csv, wide = false }) {
  const body = el('div', { class: 'chart', dataset: { chart: key, state: 'empty' } });
  const button = csv
    ? el(
        'button',
        {
          type: 'button',
          class: 'secondary download',
          dataset: { download: key },
          onclick: () => {
            const { filename, header, rows } = csv();
            downloadCsv(filename, header, rows);
          },
        },
        'Download CSV',
      )
    : null;
  const card = el('section', { class: wide ? 'card wide' : 'card', dataset: { card: key } }, el('header', {}, el('div', {}, el('h3', {}, title), description ? el('p', {}, description) : null), button), body);
  return { card, body };
}

export function emptyNote(body, text) {
  body.append(el('p', { class: 'empty' }, text));
  body.dataset.state = 'no-data';
}

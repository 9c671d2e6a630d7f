// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), the same order as
// the .c0 … .c9 classes of dashboard.css.
export const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#8c6d1f', '#6a3d9a', '#b15928'];
export const REFERENCE_COLOUR = '#555555';
export const FLAG_COLOUR = '#a1001a';
export const BAND_FILL = '#009e7326';

export function colour(i) {
  return COLOURS[i % COLOURS.length];
}

/** '#0072b2' with an alpha byte: '#0072b240'. */
export function translucent(hex, alpha = 0.2) {
  const a = Math.round(alpha * 255).toString(16).padStart(2, '0');
  return `${hex}${a}`;
}

export function isLarge() {
  return document.body.classList.contains('large');
}

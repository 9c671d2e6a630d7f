import type { Principal, Role } from '../auth/roles.ts';

/**
 * The dashboard pages and the HTML around them. Each page is a small server-rendered shell (who is
 * signed in, the navigation, the filter bar) plus one script module that reads the filters from the
 * URL and draws the page from the JSON API. No inline script or style anywhere: the
 * Content-Security-Policy (dashboard.plugin.ts) admits only files from this origin.
 */

export interface DashboardPage {
  readonly slug: string;
  readonly title: string;
  /** Who may open it: the roles of the API routes it reads. */
  readonly roles: readonly Role[];
  /** One line under the title. */
  readonly lede: string;
  /** The page has the time, port and model filters. */
  readonly filters: boolean;
}

export const PAGES: readonly DashboardPage[] = [
  {
    slug: 'accuracy',
    title: 'Accuracy',
    roles: ['oversight', 'model_owner'],
    lede: 'How often referrals find something, how many crossings are referred, how many outcomes are recorded, and whether scores mean what they say.',
    filters: true,
  },
  {
    slug: 'fairness',
    title: 'Fairness',
    roles: ['oversight'],
    lede: 'Referral rates, hit rates and error rates per group of travelers, compared with a reference group.',
    filters: true,
  },
  {
    slug: 'drift',
    title: 'Drift',
    roles: ['oversight', 'model_owner'],
    lede: 'Whether the crossings scored now look like the data the model was trained on.',
    filters: true,
  },
  {
    slug: 'models',
    title: 'Models',
    roles: ['oversight', 'model_owner'],
    lede: 'The model in production: its card, its measured performance at training time, and its decision threshold.',
    filters: false,
  },
  {
    slug: 'decisions',
    title: 'Decisions',
    roles: ['oversight'],
    lede: 'One decision as recorded: its score, its reasons, what the officer did and what the inspection found.',
    filters: false,
  },
];

export const DEFAULT_PAGE = 'accuracy';

export function pageBySlug(slug: string): DashboardPage | undefined {
  return PAGES.find((p) => p.slug === slug);
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  officer: 'officer',
  model_owner: 'model owner',
  oversight: 'oversight',
  admin: 'administrator',
  scraper: 'metrics scraper',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const ASSETS = '/dashboard/assets';

function document(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · secondary-referral</title>
<link rel="icon" href="${ASSETS}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS}/dashboard.css">
${head}</head>
${body}
</html>
`;
}

const FILTER_BAR = `<form id="filters" class="filters" method="get" aria-label="Filters">
  <label>From <input type="date" name="from"></label>
  <label>To (inclusive) <input type="date" name="to"></label>
  <label>Port <select name="port"><option value="">All ports</option></select></label>
  <label>Model version <select name="model"><option value="">All versions</option></select></label>
  <button type="submit">Apply</button>
  <button type="button" id="share-view" class="secondary">Copy link to this view</button>
  <p class="window" id="window-answered" aria-live="polite"></p>
</form>`;

/** A page for a signed-in user whose role may open it. */
export function renderPage(page: DashboardPage, principal: Principal): string {
  const nav = PAGES.filter((p) => p.roles.includes(principal.role))
    .map((p) => `<a href="/dashboard/${p.slug}"${p.slug === page.slug ? ' aria-current="page"' : ''} data-nav="${p.slug}">${escapeHtml(p.title)}</a>`)
    .join('\n    ');
  const head = `<link rel="stylesheet" href="${ASSETS}/vendor/uPlot.min.css">
<script src="${ASSETS}/vendor/uPlot.iife.min.js" defer></script>
<script type="module" src="${ASSETS}/pages/${page.slug}.js"></script>
`;
  const body = `<body data-page="${page.slug}" data-role="${principal.role}">
<a class="skip" href="#main">Skip to the page</a>
<header class="top">
  <p class="brand">secondary-referral <span>oversight dashboards</span></p>
  <nav aria-label="Pages">
    ${nav}
  </nav>
  <div class="session">
    <span class="who">Signed in as <strong>${escapeHtml(principal.name)}</strong> (${ROLE_NAMES[principal.role]})</span>
    <button type="button" id="large-type" class="secondary" aria-pressed="false">Large type</button>
    <form method="post" action="/dashboard/sign-out"><button type="submit" class="secondary">Sign out</button></form>
  </div>
</header>
${page.filters ? FILTER_BAR : ''}
<main id="main">
  <h1>${escapeHtml(page.title)}</h1>
  <p class="lede">${escapeHtml(page.lede)}</p>
  <div id="status" class="status" role="status" aria-live="polite">Loading…</div>
  <div id="content"></div>
</main>
</body>`;
  return document(page.title, body, head);
}

export interface SignInView {
  /** Where to go after signing in (a dashboard path). */
  readonly next: string;
  /** Why the previous attempt failed. */
  readonly problem?: string;
  /** After signing out. */
  readonly notice?: string;
}

export function renderSignIn(view: SignInView): string {
  const problem = view.problem === undefined ? '' : `<p class="problem" role="alert">${escapeHtml(view.problem)}</p>`;
  const notice = view.notice === undefined ? '' : `<p class="notice" role="status">${escapeHtml(view.notice)}</p>`;
  const body = `<body class="sign-in-page">
<main id="main" class="sign-in">
  <h1>Sign in to the dashboards</h1>
  <p>For oversight staff and model owners. Paste the API token you were given
  (<code>npm run token -- create --role oversight --name YOUR-NAME</code> prints one).
  The browser keeps only a session cookie; the token is not stored in it.</p>
  ${problem}${notice}
  <form method="post" action="/dashboard/sign-in">
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required minlength="8" maxlength="200">
    <input type="hidden" name="next" value="${escapeHtml(view.next)}">
    <button type="submit">Sign in</button>
  </form>
  <p class="fine">Sessions end after 30 minutes without use, after 12 hours in any case, when you sign out,
  and as soon as the token is revoked.</p>
</main>
</body>`;
  return document('Sign in', body);
}

/** 403: signed in (or holding a token) with a role that may not open this page. */
export function renderRefused(message: string, signedIn: boolean): string {
  const action = signedIn
    ? '<form method="post" action="/dashboard/sign-out"><button type="submit">Sign out</button></form> <a href="/dashboard/">Back to the dashboards</a>'
    : '<a href="/dashboard/sign-in">Sign in with another token</a>';
  const body = `<body class="sign-in-page">
<main id="main" class="sign-in">
  <h1>Not available to this role</h1>
  <p class="problem" role="alert">${escapeHtml(message)}</p>
  <p>${action}</p>
</main>
</body>`;
  return document('Not available', body);
}

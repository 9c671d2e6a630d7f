// The JSON API, read with the session cookie (same origin only). A 401 means the session ended:
// back to the sign-in page, returning here afterwards.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET path?params (parameters that are empty or undefined are left out) → parsed JSON. */
export async function getJson(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  let response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 503) {
    // Overloaded for a moment (a long report elsewhere): wait as told, at most 3 s, and try once more.
    const seconds = Math.min(3, Number(response.headers.get('retry-after')) || 1);
    await new Promise((resolve) => window.setTimeout(resolve, seconds * 1000));
    response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  }
  if (response.status === 401) {
    location.assign(`/dashboard/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'Your session has ended: sign in again.');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    const message = body && typeof body.message === 'string' ? body.message : `the service answered ${response.status}`;
    throw new ApiError(response.status, response.status === 403 ? `Not available to your role: ${message}` : message);
  }
  return body;
}

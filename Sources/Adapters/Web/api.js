// The dashboard API from the page: same origin, `Authorization: Bearer` (never the token in a URL),
// the contract's error shape read into ApiError. The browser's cache revalidates with the answers'
// ETags (Cache-Control: private, no-cache), so an unchanged answer costs a 304.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export class Api {
  /**
   * @param {string|null} token the dashboard token (null: the API is open)
   * @param {() => void} onUnauthorized called on any 401 (the page goes back to sign-in)
   */
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  headers() {
    const headers = {Accept: 'application/json'};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** GET `path` with `params` (null and '' left out); the JSON body, or throws ApiError. */
  async get(path, params = {}) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params)) {
      if (value === null || value === undefined || value === '') continue;
      for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one));
    }
    let response;
    try {
      response = await fetch(url, {headers: this.headers(), credentials: 'omit'});
    } catch {
      throw new ApiError(0, 'offline', 'The service does not answer; it may be restarting.');
    }
    if (response.status === 401) {
      this.onUnauthorized?.();
      throw new ApiError(401, 'unauthorized', 'The dashboard token was refused.');
    }
    if (!response.ok) throw await ApiError.from(response);
    return response.json();
  }
}

ApiError.from = async function from(response) {
  let error = null;
  try {
    error = (await response.json()).error;
  } catch {
    // Not the contract's error shape (a proxy's page, say): the status says enough.
  }
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  return new ApiError(response.status, error?.code ?? 'http_' + response.status,
    error?.message ?? `The service answered ${response.status}.`, retryAfter);
};

/** Tries `token` on the health route: 'ok', 'refused', or 'slowed' (with the seconds to wait). */
export async function tryToken(token) {
  let response;
  try {
    response = await fetch('/api/webhook/health', {
      headers: {Accept: 'application/json', Authorization: `Bearer ${token}`}, credentials: 'omit', cache: 'no-store',
    });
  } catch {
    return {outcome: 'offline'};
  }
  if (response.ok) return {outcome: 'ok'};
  if (response.status === 401) return {outcome: 'refused'};
  if (response.status === 429) return {outcome: 'slowed', retryAfter: Number(response.headers.get('Retry-After')) || 60};
  return {outcome: 'error', error: await ApiError.from(response)};
}

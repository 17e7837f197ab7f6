// Calls of the authority's JSON API (api/openapi.yaml). Errors are RFC 9457 problem
// documents; they reject as ApiError carrying status, type, detail and missing.

/** ApiError is a refused API call. */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = (problem && problem.type) || '';
    this.detail = (problem && problem.detail) || '';
    this.missing = (problem && problem.missing) || [];
  }
}

let token = null;

/** setToken sets (or, with null, forgets) the bearer token of the signed-in person. */
export function setToken(t) { token = t; }

/**
 * call sends a request to path. body, when given, is sent as JSON. It resolves to the
 * decoded JSON answer (or null for an empty one) and rejects with ApiError.
 */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { type: '/problems/network', detail: '' });
  }
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (_) { data = null; }
  }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);

/** enc percent-encodes one path segment. */
export const enc = (s) => encodeURIComponent(String(s).trim());

/** bytes GETs path (with the bearer token, if any) and resolves to its body. */
export async function bytes(path) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let resp;
  try {
    resp = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { type: '/problems/network', detail: '' });
  }
  if (!resp.ok) {
    let p = null;
    try { p = await resp.json(); } catch (_) { /* not a problem document */ }
    throw new ApiError(resp.status, p);
  }
  return new Uint8Array(await resp.arrayBuffer());
}

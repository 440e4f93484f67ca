// Small DOM and fetch helpers shared by the page's modules.

/** Creates an element with attributes and children; string children become text nodes (never HTML). */
export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Like el, for SVG elements. */
export function svg(tag, attributes = {}, children = []) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/**
 * Calls the API with JSON (same-origin, so the visitor cookie goes along). An error answer
 * `{ error: { code, message } }` becomes a thrown Error with its message, its `status` and `code`;
 * an empty answer (204) gives null.
 */
export async function request(method, path, body) {
  const init = { method, credentials: 'same-origin' };
  if (body !== undefined) Object.assign(init, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new Error(`the server cannot be reached (${error.message})`);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const message = data?.error?.message ?? `${response.status} ${response.statusText}`;
    const error = new Error(data?.error?.code ? `${message} (${data.error.code})` : message);
    Object.assign(error, { status: response.status, code: data?.error?.code });
    throw error;
  }
  if (data === null) throw new Error(`${path}: the answer is not JSON`);
  return data;
}

/** GET (no body) or POST JSON. */
export function api(path, body) {
  return request(body === undefined ? 'GET' : 'POST', path, body);
}

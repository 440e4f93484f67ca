// Who this browser is to the server: a visitor the server issued, proven by an HttpOnly cookie the
// page never sees. Picks are the visitor's likes, stored on the server, so a reload keeps them.
import { request } from './dom.js';

const base = (id) => `/api/visitors/${encodeURIComponent(id)}`;

/** The visitor the cookie proves, or a new one when there is none (or it was erased). */
export async function identify() {
  try {
    return (await request('GET', '/api/visitors/me')).id;
  } catch (error) {
    if (error.status !== 404) throw error;
  }
  return (await request('POST', '/api/visitors')).id;
}

/** The movies the visitor liked (Movie JSON), oldest first. */
export async function likedMovies(id) {
  const { likes } = await request('GET', `${base(id)}/likes?expand=movie`);
  return likes.filter((l) => l.value === 1).map((l) => l.movie);
}

export const saveLike = (id, movieId) => request('PUT', `${base(id)}/likes/${movieId}`, { value: 1 });
export const dropLike = (id, movieId) => request('DELETE', `${base(id)}/likes/${movieId}`);

/** Erases the visitor and every like on the server; the server also clears the cookie. */
export const forget = (id) => request('DELETE', base(id));

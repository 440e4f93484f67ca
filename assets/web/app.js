// reelrec poster page: plain DOM, no framework. Every text from the API goes in through textContent.
import { api, el } from './dom.js';
import { loadHeatmap, updateProfile } from './insights.js';
import { dropLike, forget, identify, likedMovies, saveLike } from './visitor.js';

const PAGE_SIZE = 24;
const $ = (id) => document.getElementById(id);

const state = {
  q: '',
  genre: '',
  offset: 0,
  /** Bumped by every catalogue request, so a slow older answer never overwrites a newer one. */
  ticket: 0,
  /** Picked movies by id, in the order they were picked; each is a like stored for the visitor. */
  picks: new Map(),
  /** The visitor id the server issued (its cookie proves it); null until known. */
  visitor: null,
};

// --- messages -------------------------------------------------------------------------------

function showError(what, error) {
  $('message-text').textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  $('message').hidden = false;
}

function clearMessage() {
  $('message').hidden = true;
  $('message-text').textContent = '';
}

// --- posters and details ----------------------------------------------------------------------

/** An <img> of the poster: the TMDB image when there is one, falling back to the generated SVG. */
function posterImage(movie) {
  const img = el('img', { alt: '', width: '300', height: '450', loading: 'lazy', decoding: 'async' });
  if (movie.poster.remote) {
    img.addEventListener('error', () => img.setAttribute('src', movie.poster.svg), { once: true });
    img.src = movie.poster.remote;
  } else {
    img.src = movie.poster.svg;
  }
  return img;
}

const metaLine = (movie) => [movie.year ?? 'year unknown', movie.genres.join(', ') || 'no genres'].join(' · ');

/** The poster whose details are shown, so a scroll can move the box along with it. */
let detailsAnchor = null;

function showDetails(anchor, movie) {
  $('details-title').textContent = movie.title;
  $('details-meta').textContent = metaLine(movie);
  $('details-overview').textContent = movie.overview ?? 'No overview available.';
  $('details').hidden = false;
  detailsAnchor = anchor;
  placeDetails();
}

/** Beside the poster when there is room (right, else left), else below or above it; always inside the window. */
function placeDetails() {
  const box = $('details');
  if (!detailsAnchor?.isConnected) return hideDetails();
  const r = detailsAnchor.getBoundingClientRect();
  const w = box.offsetWidth;
  const h = box.offsetHeight;
  const vw = document.documentElement.clientWidth;
  let left = r.right + 8 + w <= vw ? r.right + 8 : r.left - 8 - w;
  let top = r.top;
  if (left < 8) {
    left = Math.min(Math.max(8, r.left), vw - w - 8);
    top = r.bottom + 8 + h <= window.innerHeight ? r.bottom + 8 : r.top - h - 8;
  }
  box.style.left = `${Math.max(8, left)}px`;
  box.style.top = `${Math.max(8, Math.min(top, window.innerHeight - h - 8))}px`;
}

function hideDetails() {
  $('details').hidden = true;
  detailsAnchor = null;
}

/** Hover and keyboard focus on `target` show the movie's details. */
function withDetails(target, movie) {
  target.setAttribute('aria-describedby', 'details');
  target.addEventListener('mouseenter', () => showDetails(target, movie));
  target.addEventListener('focus', () => showDetails(target, movie));
  target.addEventListener('mouseleave', hideDetails);
  target.addEventListener('blur', hideDetails);
  return target;
}

function posterCard(movie) {
  const button = el('button', { type: 'button', class: 'poster', 'data-testid': 'poster', 'data-movie-id': String(movie.id) }, [
    posterImage(movie),
    el('span', { class: 'caption' }, [el('span', { class: 'title' }, [movie.title])]),
    el('span', { class: 'check', 'aria-hidden': 'true' }, ['✓']),
  ]);
  button.setAttribute('aria-pressed', String(state.picks.has(movie.id)));
  button.addEventListener('click', () => togglePick(movie));
  return el('li', { class: 'card' }, [withDetails(button, movie)]);
}

// --- catalogue --------------------------------------------------------------------------------

async function loadMovies(reset) {
  const ticket = ++state.ticket;
  const offset = reset ? 0 : state.offset;
  const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE_SIZE) });
  if (state.q) params.set('q', state.q);
  if (state.genre) params.set('genre', state.genre);
  $('catalogue').setAttribute('aria-busy', 'true');
  try {
    const page = await api(`/api/movies?${params}`);
    if (ticket !== state.ticket) return;
    if (reset) {
      hideDetails();
      $('catalogue').replaceChildren();
    }
    $('catalogue').append(...page.items.map(posterCard));
    state.offset = offset + page.items.length;
    $('count').textContent =
      page.total === 0 ? 'No movie matches.' : `Showing ${state.offset} of ${page.total} movie${page.total === 1 ? '' : 's'}.`;
    $('more').hidden = state.offset >= page.total;
  } catch (error) {
    if (ticket === state.ticket) showError('Could not load movies', error);
  } finally {
    if (ticket === state.ticket) $('catalogue').removeAttribute('aria-busy');
  }
}

async function loadGenres() {
  try {
    const { genres } = await api('/api/genres');
    $('genre').append(...genres.map((g) => el('option', { value: g.name }, [`${g.name} (${g.movieCount})`])));
  } catch (error) {
    showError('Could not load the genres', error);
  }
}

// --- the visitor's stored picks ---------------------------------------------------------------

/** Writes run one after another, so a quick pick-unpick reaches the server in the order it was made. */
let writes = Promise.resolve();
let pendingWrites = 0;

/** Queues a task; the tray says `data-saving` until every queued task is done. */
function queue(what, task) {
  pendingWrites++;
  $('tray').dataset.saving = 'true';
  writes = writes
    .then(task)
    .catch((error) => showError(what, error))
    .finally(() => {
      if (--pendingWrites === 0) delete $('tray').dataset.saving;
    });
}

/** Queues a write of the visitor's likes, after the visitor is known. */
function persist(what, write) {
  queue(what, () => {
    if (!state.visitor) throw new Error('the server has not given this page a visitor, so picks are not kept');
    return write(state.visitor);
  });
}

/** Who this browser is, and the picks it made on earlier visits (picks made meanwhile are kept too). */
function restorePicks() {
  queue('Could not load your picks', async () => {
    state.visitor = await identify();
    const movies = await likedMovies(state.visitor);
    const earlier = [...state.picks.values()];
    state.picks = new Map(movies.map((movie) => [movie.id, movie]));
    for (const movie of earlier) state.picks.set(movie.id, movie);
    renderPicks();
  });
}

/** Erases the visitor and every pick on the server, then starts afresh as a new visitor. */
function forgetMe() {
  persist('Could not forget you', async (id) => {
    await forget(id);
    state.visitor = null;
    state.picks.clear();
    renderPicks();
    $('results').hidden = true;
    state.visitor = await identify();
  });
}

// --- picks ------------------------------------------------------------------------------------

function togglePick(movie) {
  if (state.picks.has(movie.id)) {
    state.picks.delete(movie.id);
    persist('Could not save your pick', (id) => dropLike(id, movie.id));
  } else {
    state.picks.set(movie.id, movie);
    persist('Could not save your pick', (id) => saveLike(id, movie.id));
  }
  renderPicks();
}

function renderPicks() {
  for (const button of document.querySelectorAll('[data-testid="poster"]')) {
    button.setAttribute('aria-pressed', String(state.picks.has(Number(button.dataset.movieId))));
  }
  const items = [...state.picks.values()].map((movie) => {
    const remove = el('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${movie.title} from your picks` }, ['×']);
    remove.addEventListener('click', () => {
      togglePick(movie);
      ($('picks').querySelector('.remove') ?? $('recommend')).focus();
    });
    return el('li', { class: 'pick', 'data-testid': 'tray-item', 'data-movie-id': String(movie.id) }, [
      posterImage(movie),
      el('span', { class: 'pick-title' }, [movie.title]),
      remove,
    ]);
  });
  $('picks').replaceChildren(...items);
  $('pick-count').textContent = String(state.picks.size);
  $('tray-empty').hidden = state.picks.size > 0;
  updateProfile([...state.picks.keys()], showError);
}

// --- recommendations --------------------------------------------------------------------------

function recommendationCard(item, rank) {
  const { movie } = item;
  const frame = withDetails(
    el('div', { class: 'rec-poster', tabindex: '0', role: 'img', 'aria-label': movie.title }, [posterImage(movie)]),
    movie,
  );
  const pick = el('button', { type: 'button', class: 'small', 'aria-pressed': String(state.picks.has(movie.id)) }, ['Pick']);
  pick.setAttribute('aria-label', `Pick ${movie.title}`);
  pick.addEventListener('click', () => {
    togglePick(movie);
    pick.setAttribute('aria-pressed', String(state.picks.has(movie.id)));
  });
  const reasons = item.reasons.map((r) => el('li', { 'data-testid': 'reason', class: `reason ${r.kind}` }, [r.text]));
  return el('li', { class: 'rec', 'data-testid': 'recommendation', 'data-movie-id': String(movie.id) }, [
    frame,
    el('h3', { class: 'rec-title' }, [`${rank}. ${movie.title}`]),
    el('p', { class: 'note' }, [metaLine(movie)]),
    el('p', { class: 'score' }, [`score ${item.score.toFixed(3)}`]),
    el('ul', { class: 'reasons' }, reasons.length ? reasons : [el('li', { class: 'reason' }, ['no reason given'])]),
    pick,
  ]);
}

async function recommend() {
  clearMessage();
  const button = $('recommend');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const liked = [...state.picks.keys()];
    const answer = await api('/api/recommend', { liked, k: 10 });
    $('recommendations').replaceChildren(...answer.items.map((item, i) => recommendationCard(item, i + 1)));
    $('results-note').textContent = liked.length
      ? `From your ${liked.length} pick${liked.length === 1 ? '' : 's'} (${answer.strategy.kind}).`
      : 'You have not picked anything yet, so these are popular movies.';
    $('results').hidden = false;
    $('results-title').focus({ preventScroll: true });
    $('results').scrollIntoView({ block: 'start' });
  } catch (error) {
    showError('Could not recommend', error);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// --- wiring -----------------------------------------------------------------------------------

let searchTimer;
$('search').addEventListener('input', (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.q = event.target.value.trim();
    loadMovies(true);
  }, 250);
});
$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  state.q = $('search').value.trim();
  loadMovies(true);
});
$('genre').addEventListener('change', (event) => {
  state.genre = event.target.value;
  loadMovies(true);
});
$('more').addEventListener('click', () => loadMovies(false));
$('recommend').addEventListener('click', recommend);
$('clear').addEventListener('click', () => {
  for (const movieId of state.picks.keys()) persist('Could not save your pick', (id) => dropLike(id, movieId));
  state.picks.clear();
  renderPicks();
});
$('forget').addEventListener('click', forgetMe);
$('message-close').addEventListener('click', clearMessage);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') hideDetails();
});
window.addEventListener('scroll', () => detailsAnchor && placeDetails(), { passive: true });

loadGenres();
loadMovies(true);
loadHeatmap(showError);
renderPicks();
restorePicks();

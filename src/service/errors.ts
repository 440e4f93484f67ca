import { ReelrecError } from '../errors.js';

/** Movie ids the catalogue does not have (HTTP 404). */
export class UnknownMovieError extends ReelrecError {
  override name = 'UnknownMovieError';
  constructor(readonly ids: number[]) {
    super('unknown_movie', `unknown movie id${ids.length === 1 ? '' : 's'}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`);
  }
}

/** A MovieLens user id the model was not trained on (HTTP 404). */
export class UnknownUserError extends ReelrecError {
  override name = 'UnknownUserError';
  constructor(readonly userId: number) {
    super('unknown_user', `unknown user id: ${userId}`);
  }
}

/** A genre name the catalogue does not have (HTTP 400, field `genres`/`genre`). */
export class UnknownGenreError extends ReelrecError {
  override name = 'UnknownGenreError';
  constructor(
    readonly genres: string[],
    readonly known: string[],
  ) {
    super('unknown_genre', `unknown genre${genres.length === 1 ? '' : 's'}: ${genres.join(', ')} (known: ${known.join(', ')})`);
  }
}

/** A request the service cannot answer as asked, e.g. k out of range (HTTP 400). */
export class ServiceInputError extends ReelrecError {
  override name = 'ServiceInputError';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super('invalid_input', `${field}: ${detail}`);
  }
}

/**
 * No visitor for this credential: none or a malformed one, an unknown id, or a credential of another
 * visitor (HTTP 404). One message for every case, so an answer never tells whether an id exists.
 */
export class UnknownVisitorError extends ReelrecError {
  override name = 'UnknownVisitorError';
  constructor() {
    super('unknown_visitor', 'unknown visitor: create one with POST /api/visitors and present its token');
  }
}

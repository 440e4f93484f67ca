import { forget } from './forget.js';
import { likes } from './likes.js';
import { movies } from './movies.js';
import { recommend } from './recommend.js';
import type { Command } from './types.js';

export { FORGET_CANCEL, FORGET_CONFIRM } from './forget.js';
export type { Command } from './types.js';

/** Every slash command; the deploy script registers exactly these. */
export const commands: readonly Command[] = [movies, recommend, likes, forget];

import { interactionCreate } from './interaction-create.js';
import { reactionAdd, reactionRemove } from './reactions.js';
import { ready } from './ready.js';
import type { BotEvent } from './types.js';

export type { BotEvent } from './types.js';

export const events: readonly BotEvent[] = [ready, interactionCreate, reactionAdd, reactionRemove] as readonly BotEvent[];

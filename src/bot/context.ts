import type { Logger } from 'pino';
import type { RecommendationService } from '../service/index.js';
import type { LikeBook } from '../store/index.js';
import type { KeyedQueue } from '../util/keyed-queue.js';
import type { FixedWindowLimiter } from '../util/rate-limiter.js';
import type { MessageBook } from './message-book.js';
import type { PosterImages } from './posters.js';

/** Everything a command or event handler may use; built once by startBot. */
export interface BotContext {
  service: RecommendationService;
  likes: LikeBook;
  messages: MessageBook;
  posters: PosterImages;
  /** Commands per user per window; reactions are not limited (Discord already is, and a dropped reaction would be a lost like). */
  limiter: FixedWindowLimiter;
  log: Logger;
  /** Serialises each user's reactions. */
  reactionQueue: KeyedQueue;
  /** Counters for tests and the soak benchmark. */
  stats: { reactionsHandled: number; reactionsIgnored: number; reactionsFailed: number; reactionsRefused: number };
}

/** How a Discord user is keyed in the store (`likes.user_id`, `users.id`). */
export function storeUserId(discordUserId: string): string {
  return `discord:${discordUserId}`;
}

export const LIKE_EMOJI = '👍';
export const DISLIKE_EMOJI = '👎';

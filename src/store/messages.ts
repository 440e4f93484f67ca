import type { Store } from './connect.js';
import { guard } from './errors.js';
import { num, type RawRow, str } from './rows.js';
import type { Source } from './schema.js';
import { checkMovieId, checkText, sqlString } from './sql.js';
import { checkDate, checkSource } from './users.js';

export interface PostedMessage {
  messageId: string;
  movie: number;
  channelId: string;
  source: Source;
  time?: Date;
}

/** Records which movie a posted message shows; posting the same message again replaces the row. */
export async function rememberMessages(store: Store, messages: readonly PostedMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((m) => ({
    message_id: checkText(m.messageId, 'message id'),
    movie_id: checkMovieId(m.movie),
    channel_id: checkText(m.channelId, 'channel id'),
    source: checkSource(m.source),
    time: checkDate(m.time ?? new Date(), 'message time'),
  }));
  await guard('rememberMessages', () =>
    store.writeGate.write(() =>
      store.tables.messages.mergeInsert('message_id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows),
    ),
  );
}

/** The movie a message shows, or null when the message is not one of ours. */
export async function movieOfMessage(store: Store, messageId: string): Promise<number | null> {
  const rows: RawRow[] = await guard('movieOfMessage', () =>
    store.tables.messages
      .query()
      .where(`message_id = ${sqlString(checkText(messageId, 'message id'))}`)
      .select(['movie_id'])
      .limit(1)
      .toArray(),
  );
  return rows[0] ? num(rows[0], 'movie_id') : null;
}

/** Every remembered message (id → movie), e.g. to warm a cache at start. */
export async function allMessages(store: Store, source: Source): Promise<Map<string, number>> {
  const rows: RawRow[] = await guard('allMessages', () =>
    store.tables.messages
      .query()
      .where(`source = ${sqlString(checkSource(source))}`)
      .select(['message_id', 'movie_id'])
      .toArray(),
  );
  return new Map(rows.map((r) => [str(r, 'message_id'), num(r, 'movie_id')]));
}

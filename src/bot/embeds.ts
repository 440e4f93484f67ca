import { EmbedBuilder, type InteractionReplyOptions } from 'discord.js';
import type { MovieSummary, Reason } from '../service/index.js';
import { DISLIKE_EMOJI, LIKE_EMOJI } from './context.js';
import type { PosterImages } from './posters.js';

const OVERVIEW_CHARS = 300;

export interface MovieEmbedExtras {
  rank?: number;
  score?: number;
  reasons?: Reason[];
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** One poster message: the embed (title, year, genres, short overview, reasons) and its image file. */
export async function movieMessage(
  movie: MovieSummary,
  posters: PosterImages,
  extras: MovieEmbedExtras = {},
): Promise<InteractionReplyOptions> {
  const image = await posters.of(movie);
  // Titles come from the catalogue; embeds render markdown, so it is escaped to stay literal text.
  const title = `${extras.rank ? `${extras.rank}. ` : ''}${escapeMarkdown(movie.title)}`;
  const embed = new EmbedBuilder()
    .setTitle(shorten(title, 256))
    .setImage(image.url)
    .setFooter({ text: `React ${LIKE_EMOJI} to like, ${DISLIKE_EMOJI} to dislike · movie ${movie.id}` });
  const lines: string[] = [];
  if (extras.reasons?.length) lines.push(extras.reasons.map((r) => `**${escapeMarkdown(r.text)}**`).join(' · '));
  if (movie.overview) lines.push(escapeMarkdown(shorten(movie.overview, OVERVIEW_CHARS)));
  if (lines.length > 0) embed.setDescription(lines.join('\n\n'));
  embed.addFields(
    { name: 'Year', value: movie.year === null ? 'unknown' : String(movie.year), inline: true },
    { name: 'Genres', value: movie.genres.length > 0 ? movie.genres.join(', ') : 'none', inline: true },
  );
  if (extras.score !== undefined) embed.addFields({ name: 'Score', value: extras.score.toFixed(2), inline: true });
  return { embeds: [embed], files: image.file ? [image.file] : [] };
}

/** Backslash-escapes Discord markdown so a title like `*Batteries* not Included` shows as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\*_~`|>#[\]()-])/g, '\\$1');
}

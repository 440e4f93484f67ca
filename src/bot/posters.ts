import { AttachmentBuilder } from 'discord.js';
import sharp from 'sharp';
import { posterSvg, remotePosterUrl } from '../posters/index.js';
import type { MovieSummary } from '../service/index.js';
import { LruCache } from '../util/lru.js';

export interface PosterImage {
  /** What the embed's image points at: the TMDB URL, or `attachment://<file>`. */
  url: string;
  /** The PNG to upload with the message, when the image is the generated poster. */
  file: AttachmentBuilder | null;
}

/**
 * Poster images for embeds: the TMDB poster when one is known and remote posters are on, else the
 * generated SVG rendered to PNG (Discord does not display SVG), cached since posters never change.
 */
export class PosterImages {
  private readonly png = new LruCache<number, Buffer>(500);

  constructor(private readonly remote: boolean) {}

  async of(movie: MovieSummary): Promise<PosterImage> {
    const remote = this.remote ? remotePosterUrl(movie.posterPath) : null;
    if (remote) return { url: remote, file: null };
    let bytes = this.png.get(movie.id);
    if (!bytes) {
      bytes = await sharp(Buffer.from(posterSvg(movie)))
        .png()
        .toBuffer();
      this.png.set(movie.id, bytes);
    }
    const name = `poster-${movie.id}.png`;
    return { url: `attachment://${name}`, file: new AttachmentBuilder(bytes, { name }) };
  }
}

/** TMDB's image CDN at the width the poster page and the bot show. */
export const TMDB_IMAGE_BASE = 'https://image.tmdb.org/t/p/w500';

/** The TMDB poster URL of a poster path such as `/abc.jpg`, or null when there is none. */
export function remotePosterUrl(posterPath: string | null): string | null {
  if (posterPath === null || posterPath === '') return null;
  return `${TMDB_IMAGE_BASE}${posterPath.startsWith('/') ? '' : '/'}${posterPath}`;
}

export { genreColour, posterPalette } from './palette.js';
export { remotePosterUrl, TMDB_IMAGE_BASE } from './remote.js';
export { displayTitle, escapeXml, POSTER_HEIGHT, POSTER_WIDTH, type PosterMovie, posterSvg, wrapText } from './svg.js';
export { posterFileName, type WritePostersOptions, type WritePostersResult, writePosters } from './write.js';

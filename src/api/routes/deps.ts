import type { RecommendationService } from '../../service/index.js';
import type { MovieJsonOptions } from '../movie-json.js';

export interface RouteDeps {
  service: RecommendationService;
  movieJson: MovieJsonOptions;
}

export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

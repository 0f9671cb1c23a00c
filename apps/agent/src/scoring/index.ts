// Public surface of speaker scoring: the EmbeddingIndex, its backends, and the errors they throw.
export { BACKEND_NAMES, type BackendName, MAX_K, type ScoringBackend, type TopK } from './backend.ts';
export { type CreateScoringBackendOptions, createScoringBackend } from './create-scoring-backend.ts';
export {
  DEFAULT_DIM,
  EmbeddingIndex,
  type EmbeddingIndexOptions,
  type SavedIndex,
  QUANTISED_DEFAULTS,
  type QuantisedSearchOptions,
  type SpeakerScore,
} from './embedding-index.ts';
export { ScoringError, type ScoringErrorCode } from './errors.ts';
export { l2normalize } from './l2-normalize.ts';
export { RowMatrix } from './row-matrix.ts';
export type { SpeakerTableParts } from './speaker-table.ts';
export type { OnFallback, TfjsEngine } from './tfjs-backend.ts';

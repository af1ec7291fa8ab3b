export { deduplicate, holdoutSplit, trainClassifier, FEATURES, VOCABULARY, NB, HOLDOUT_FRACTION, SPLIT_SEED, NEAR_DUPLICATE_JACCARD } from './pipeline';
export type { LabelledText, PreparedRow, Deduplication, TrainingOptions, TrainingReport } from './pipeline';
export { classificationFigures, thresholdFigures, recommendThreshold, argmaxRows } from './metrics';
export type { Figures, ClassFigures, ThresholdFigures } from './metrics';
export { meanNegativeLogLikelihood } from './calibration';
export type { ModelArtifact } from '../artifact';

/**
 * pnpm train [--data <dir or .jsonl>] [--out <dir>] [--with-corrections]
 *
 * --with-corrections also learns from the agents' corrections stored in the database
 * (DATABASE_URL, default the local hotline database); they are deduplicated and split with
 * the file's rows, so run `pnpm eval --with-corrections` against the same database after.
 *
 * Deduplicates the labelled messages, holds 20 % out, tunes C and the softmax temperature by
 * cross-validation on the rest, evaluates on the holdout, then refits on every deduplicated
 * row with the same settings and writes the model and its metrics to packages/classifier/model/.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Model } from '@hotline/classifier';
import { FEATURES, HOLDOUT_FRACTION, NB, NEAR_DUPLICATE_JACCARD, SPLIT_SEED, VOCABULARY, trainClassifier } from '@hotline/classifier/training';
import { TARGET_PRECISION, evaluateOnHoldout, printEvaluation } from './lib/classifier-evaluation';
import { C_GRID, CROSS_VALIDATION_FOLDS, modelDirectory, prepareLabelledData, progressLogger, type Metrics } from './lib/classifier-training';
import { defaultDatabaseUrl, readCorrections } from './lib/corrections';
import { parseArguments, repoRoot, resolveLabelledData } from './lib/labelled-data';

const started = Date.now();
const args = parseArguments(process.argv.slice(2), { data: 'string', out: 'string', 'with-corrections': 'boolean' });
const progress = progressLogger('train');
const outDirectory = typeof args.out === 'string' ? path.resolve(args.out) : modelDirectory;
const corrections = args['with-corrections'] ? await readCorrections(process.env.DATABASE_URL ?? defaultDatabaseUrl) : [];
const data = prepareLabelledData(resolveLabelledData(args.data as string | undefined), progress, corrections);

progress('fitting on the training part (cross-validating C and temperature)');
const evaluated = trainClassifier(data.train, data.labels, { cGrid: C_GRID, folds: CROSS_VALIDATION_FOLDS, onProgress: progress });
const evaluation = evaluateOnHoldout(new Model(evaluated.artifact), data.holdout);
printEvaluation(evaluation, data.labels, (line) => process.stderr.write(`${line}\n`));

progress(`refitting on all ${data.deduplication.kept.length} deduplicated rows with C=${evaluated.report.c}`);
const final = trainClassifier(data.deduplication.kept, data.labels, {
  cGrid: [evaluated.report.c],
  folds: CROSS_VALIDATION_FOLDS,
  temperature: evaluated.report.temperature,
  onProgress: progress,
});
const artifact = {
  ...final.artifact,
  trainedOn: 'all' as const,
  recommendedThreshold: evaluation.recommended.threshold,
  recommendedMinimumContentWords: evaluation.recommendedMinimumContentWords,
};

mkdirSync(outDirectory, { recursive: true });
const modelPath = path.join(outDirectory, 'model.json');
writeFileSync(modelPath, `${JSON.stringify(artifact)}\n`);
const metrics: Metrics = {
  modelVersion: artifact.version,
  trainedAt: artifact.trainedAt,
  committedModelTrainedOn: 'all',
  evaluatedModel: `fitted on the training part only (${data.train.length} rows) with the same settings; the ${data.holdout.length} held-out rows were never trained or tuned on`,
  data: {
    file: path.relative(repoRoot, data.file),
    corrections: corrections.length,
    rows: data.rows.length,
    raw: data.rows.filter((r) => r.kind === 'raw').length,
    tokens: data.rows.filter((r) => r.kind === 'tokens').length,
  },
  deduplication: {
    method: `content words without stop words, 5-character shingles, MinHash LSH, Jaccard ≥ ${NEAR_DUPLICATE_JACCARD}; one row per group, raw preferred, majority label`,
    keptRows: data.deduplication.kept.length,
    crossKindGroups: data.deduplication.crossKindGroups,
    conflictingGroups: data.deduplication.conflictingGroups,
  },
  split: {
    holdoutFraction: HOLDOUT_FRACTION,
    seed: SPLIT_SEED,
    stratifiedBy: 'label × text_kind',
    trainRows: data.train.length,
    holdoutRows: data.holdout.length,
    fingerprint: data.fingerprint,
  },
  hyperparameters: {
    model: 'NBSVM: one-vs-rest L2-regularised squared-hinge linear SVMs (dual coordinate descent) on features scaled by each class\'s Naive Bayes log-count ratio, weights interpolated towards their mean by beta (Wang & Manning 2012); temperature-scaled softmax over the margins',
    naiveBayes: NB,
    features: FEATURES,
    vocabulary: VOCABULARY,
    c: evaluated.report.c,
    cGrid: C_GRID,
    folds: CROSS_VALIDATION_FOLDS,
    temperature: evaluated.report.temperature,
    crossValidation: evaluated.report.crossValidation,
  },
  holdout: evaluation,
  recommendedThreshold: evaluation.recommended.threshold,
  targetPrecision: TARGET_PRECISION,
  coverageAtRecommendedThreshold: evaluation.recommended.coverage,
  precisionAtRecommendedThreshold: evaluation.recommended.precision,
  recommendedMinimumContentWords: evaluation.recommendedMinimumContentWords,
  modelBytes: statSync(modelPath).size,
  trainingSeconds: Math.round((Date.now() - started) / 1000),
};
writeFileSync(path.join(outDirectory, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
progress(`wrote ${path.relative(process.cwd(), modelPath)} (${(metrics.modelBytes / 1e6).toFixed(2)} MB, version ${artifact.version}) and metrics.json`);
console.log(
  JSON.stringify({
    version: artifact.version,
    accuracy: evaluation.overall.accuracy,
    macroF1: evaluation.overall.macroF1,
    macroF1Raw: evaluation.byTextKind.raw.macroF1,
    macroF1Tokens: evaluation.byTextKind.tokens.macroF1,
    recommendedThreshold: metrics.recommendedThreshold,
    coverage: metrics.coverageAtRecommendedThreshold,
    precision: metrics.precisionAtRecommendedThreshold,
    recommendedMinimumContentWords: metrics.recommendedMinimumContentWords,
    trainingSeconds: metrics.trainingSeconds,
  }),
);

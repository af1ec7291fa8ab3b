/**
 * pnpm eval [--data <dir or .jsonl>] [--with-corrections]
 *
 * Re-creates the deduplicated holdout split exactly as train did (checked by its fingerprint),
 * refits the model on the training part alone with the settings train chose and recorded in
 * metrics.json, and reports on the holdout. The committed model is not evaluated directly: it
 * was refitted on every row, holdout included, so its figures there would be flattering.
 * Writes the recommended threshold (smallest with ≥ 97 % precision) and minimum of content words
 * back into metrics.json.
 */
import { writeFileSync } from 'node:fs';
import { Model } from '@hotline/classifier';
import { trainClassifier } from '@hotline/classifier/training';
import { evaluateOnHoldout, printEvaluation } from './lib/classifier-evaluation';
import { metricsFile, modelFile, prepareLabelledData, progressLogger, readJson, type Metrics } from './lib/classifier-training';
import { defaultDatabaseUrl, readCorrections } from './lib/corrections';
import { parseArguments, resolveLabelledData } from './lib/labelled-data';

const args = parseArguments(process.argv.slice(2), { data: 'string', 'with-corrections': 'boolean' });
const progress = progressLogger('eval');
const metrics = readJson<Metrics>(metricsFile);
const corrections = args['with-corrections'] ? await readCorrections(process.env.DATABASE_URL ?? defaultDatabaseUrl) : [];
const data = prepareLabelledData(resolveLabelledData(args.data as string | undefined), progress, corrections);
if (data.fingerprint !== metrics.split.fingerprint) {
  progress(`warning: this holdout (fingerprint ${data.fingerprint}) is not the one train used (${metrics.split.fingerprint}); different data or code`);
}
const { c, temperature, folds } = metrics.hyperparameters;
progress(`refitting on the ${data.train.length}-row training part with C=${c}, temperature ${temperature.toFixed(4)} (from train's cross-validation)`);
const { artifact } = trainClassifier(data.train, data.labels, { cGrid: [c], folds, temperature, onProgress: progress });
const evaluation = evaluateOnHoldout(new Model(artifact), data.holdout);
printEvaluation(evaluation, data.labels, (line) => console.log(line));

const committed = readJson<{ version: string; recommendedThreshold: number; recommendedMinimumContentWords?: number }>(modelFile);
if (committed.recommendedThreshold !== evaluation.recommended.threshold || committed.recommendedMinimumContentWords !== evaluation.recommendedMinimumContentWords) {
  progress(
    `warning: the committed model ${committed.version} carries threshold ${committed.recommendedThreshold} and minimum ${committed.recommendedMinimumContentWords ?? 'none'}; run pnpm train to refresh it`,
  );
}
const updated: Metrics = {
  ...metrics,
  holdout: evaluation,
  recommendedThreshold: evaluation.recommended.threshold,
  coverageAtRecommendedThreshold: evaluation.recommended.coverage,
  precisionAtRecommendedThreshold: evaluation.recommended.precision,
  recommendedMinimumContentWords: evaluation.recommendedMinimumContentWords,
};
writeFileSync(metricsFile, `${JSON.stringify(updated, null, 2)}\n`);
progress('updated the recommended threshold and minimum of content words in metrics.json');

import type { SparseMatrix } from './vocabulary';
import { seededRandom, shuffleInPlace } from './random';

/**
 * Linear models over sparse TF-IDF rows, written here rather than taken from npm: the
 * JavaScript packages available (ml-logistic-regression, ml-svm, libsvm-js, natural) work on
 * dense matrices or kernels, which for ~10^5 features × 7 classes means gigabytes and minutes
 * per fit; liblinear's dual coordinate descent on sparse rows is ~60 lines and takes seconds.
 * (A softmax regression fitted by L-BFGS was tried too: slower to fit and ~1 point lower
 * macro-F1 than these SVMs once both are temperature-calibrated.)
 */
export interface LinearModel {
  classes: number;
  features: number;
  /** Feature-major weights: weights[f * classes + k]. */
  weights: Float64Array;
  bias: Float64Array;
}

/** Raw class scores (logits for softmax regression, margins for SVMs), row-major n × classes. */
export function decisionScores(model: LinearModel, x: SparseMatrix): Float64Array {
  const K = model.classes;
  const out = new Float64Array(x.rows * K);
  for (let i = 0; i < x.rows; i++) {
    const z = out.subarray(i * K, (i + 1) * K);
    z.set(model.bias);
    for (let p = x.rowStart[i] as number; p < (x.rowStart[i + 1] as number); p++) {
      const base = (x.indices[p] as number) * K;
      const v = x.values[p] as number;
      for (let k = 0; k < K; k++) z[k] = (z[k] as number) + v * (model.weights[base + k] as number);
    }
  }
  return out;
}

export interface SvmOptions {
  /** liblinear's C: larger fits the training data harder. */
  c: number;
  maxEpochs?: number;
  /** Stop once the projected gradients span less than this (liblinear's dual solver uses 0.1). */
  tolerance?: number;
  seed?: number;
  /** Per-class feature scaling, feature-major (scale[f * classes + k]): class k sees x · scale_k. */
  scale?: Float64Array;
}

/**
 * One-vs-rest L2-regularised squared-hinge SVMs by dual coordinate descent (Hsieh et al. 2008,
 * liblinear's default solver), with a constant bias feature of 1.
 */
export function fitOneVsRestSvm(x: SparseMatrix, y: Int32Array, classes: number, options: SvmOptions): LinearModel {
  const K = classes;
  const F = x.columns;
  const weights = new Float64Array(F * K);
  const bias = new Float64Array(K);
  const squaredNorm = new Float64Array(x.rows);
  const scaled = new Float32Array(x.values.length);
  const random = seededRandom(options.seed ?? 1);
  const order = Array.from({ length: x.rows }, (_, i) => i);
  const w = new Float64Array(F);
  const alphas = new Float64Array(x.rows);
  for (let k = 0; k < K; k++) {
    const scale = options.scale;
    for (let p = 0; p < scaled.length; p++) scaled[p] = (x.values[p] as number) * (scale ? (scale[(x.indices[p] as number) * K + k] as number) : 1);
    for (let i = 0; i < x.rows; i++) {
      let q = 1;
      for (let p = x.rowStart[i] as number; p < (x.rowStart[i + 1] as number); p++) q += (scaled[p] as number) ** 2;
      squaredNorm[i] = q;
    }
    w.fill(0);
    alphas.fill(0);
    let b = 0;
    for (let epoch = 0; epoch < (options.maxEpochs ?? 200); epoch++) {
      let maxPg = -Infinity;
      let minPg = Infinity;
      shuffleInPlace(order, random);
      for (const i of order) {
        const yi = y[i] === k ? 1 : -1;
        const diag = 0.5 / options.c;
        const start = x.rowStart[i] as number;
        const end = x.rowStart[i + 1] as number;
        let margin = b;
        for (let p = start; p < end; p++) margin += (scaled[p] as number) * (w[x.indices[p] as number] as number);
        const alpha = alphas[i] as number;
        const g = yi * margin - 1 + diag * alpha;
        const pg = alpha === 0 ? Math.min(g, 0) : g;
        maxPg = Math.max(maxPg, pg);
        minPg = Math.min(minPg, pg);
        if (Math.abs(pg) < 1e-12) continue;
        const next = Math.max(alpha - g / ((squaredNorm[i] as number) + diag), 0);
        const delta = (next - alpha) * yi;
        alphas[i] = next;
        for (let p = start; p < end; p++) {
          const f = x.indices[p] as number;
          w[f] = (w[f] as number) + delta * (scaled[p] as number);
        }
        b += delta;
      }
      if (maxPg - minPg < (options.tolerance ?? 0.1)) break;
    }
    for (let f = 0; f < F; f++) weights[f * K + k] = w[f] as number;
    bias[k] = b;
  }
  return { classes: K, features: F, weights, bias };
}

export interface NbSvmOptions extends Omit<SvmOptions, 'scale'> {
  /** Smoothing of the Naive Bayes feature counts. */
  alpha: number;
  /** Interpolation between the SVM's weights (1) and plain Naive Bayes (0): Wang & Manning's β. */
  beta: number;
}

/**
 * NBSVM (Wang & Manning 2012): each one-vs-rest SVM learns on features scaled by that class's
 * Naive Bayes log-count ratio, and its weights are pulled towards their mean magnitude by β.
 * The ratios are folded into the returned weights, so the model scores raw rows like any
 * linear model and the artifact needs nothing new.
 */
export function fitNbSvm(x: SparseMatrix, y: Int32Array, classes: number, options: NbSvmOptions): LinearModel {
  const ratios = logCountRatios(x, y, classes, options.alpha);
  const model = fitOneVsRestSvm(x, y, classes, { ...options, scale: ratios });
  const K = classes;
  for (let k = 0; k < K; k++) {
    let sum = 0;
    for (let f = 0; f < model.features; f++) sum += Math.abs(model.weights[f * K + k] as number);
    const mean = sum / model.features;
    for (let f = 0; f < model.features; f++) {
      const j = f * K + k;
      model.weights[j] = (ratios[j] as number) * ((1 - options.beta) * mean + options.beta * (model.weights[j] as number));
    }
  }
  return model;
}

/** r_k = log((p_k / |p_k|₁) / (q_k / |q_k|₁)) with p_k, q_k the smoothed counts of documents with each feature in and out of class k. */
export function logCountRatios(x: SparseMatrix, y: Int32Array, classes: number, alpha: number): Float64Array {
  const K = classes;
  const F = x.columns;
  const inClass = new Float64Array(F * K);
  const total = new Float64Array(F);
  for (let i = 0; i < x.rows; i++) {
    const k = y[i] as number;
    for (let p = x.rowStart[i] as number; p < (x.rowStart[i + 1] as number); p++) {
      // Document counts (binarised features), as in the paper.
      const f = x.indices[p] as number;
      inClass[f * K + k] = (inClass[f * K + k] as number) + 1;
      total[f] = (total[f] as number) + 1;
    }
  }
  const ratios = new Float64Array(F * K);
  for (let k = 0; k < K; k++) {
    let pSum = 0;
    let qSum = 0;
    for (let f = 0; f < F; f++) {
      pSum += alpha + (inClass[f * K + k] as number);
      qSum += alpha + (total[f] as number) - (inClass[f * K + k] as number);
    }
    for (let f = 0; f < F; f++) {
      const p = alpha + (inClass[f * K + k] as number);
      const q = alpha + (total[f] as number) - (inClass[f * K + k] as number);
      ratios[f * K + k] = Math.log(p / pSum / (q / qSum));
    }
  }
  return ratios;
}

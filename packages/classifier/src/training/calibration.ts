/** Row-wise softmax of scores / temperature, n × classes. */
export function softmaxRows(scores: Float64Array, classes: number, temperature = 1): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, (scores[i + k] as number) / temperature);
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const e = Math.exp((scores[i + k] as number) / temperature - max);
      out[i + k] = e;
      sum += e;
    }
    for (let k = 0; k < classes; k++) out[i + k] = (out[i + k] as number) / sum;
  }
  return out;
}

export function meanNegativeLogLikelihood(probabilities: Float64Array, y: Int32Array, classes: number): number {
  let loss = 0;
  for (let i = 0; i < y.length; i++) loss -= Math.log(Math.max(probabilities[i * classes + (y[i] as number)] as number, 1e-15));
  return loss / y.length;
}

/**
 * Temperature scaling (Guo et al. 2017): the one parameter T minimising held-out NLL of
 * softmax(scores / T). It leaves the ranking alone and makes "confidence 0.9" mean right nine
 * times in ten, which is what the routing threshold relies on. Fit it on out-of-fold scores only.
 */
export function fitTemperature(scores: Float64Array, y: Int32Array, classes: number): number {
  const nll = (logT: number) => meanNegativeLogLikelihood(softmaxRows(scores, classes, Math.exp(logT)), y, classes);
  // Golden-section search on ln T; NLL is unimodal in T for fixed scores.
  let lo = Math.log(0.01);
  let hi = Math.log(100);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  for (let i = 0; i < 60; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = nll(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

import { unlabelledCategoryMention, type Classification } from '@hotline/classifier';
import type { TriageCause } from '@hotline/contracts';

export interface RoutingRules {
  /** Confidence from which a ticket is routed without an agent. */
  threshold: number;
  /** Fewest content words from which it may be: on fewer, the model is more confident than it is right. */
  minimumContentWords: number;
}

export type Routing = { automatic: true } | { automatic: false; cause: Exclude<TriageCause, 'no_catalogue_category'>; reason: string };

/**
 * Whether a ticket goes to its department without an agent, or to triage and why. The same
 * rules answer the agent's live suggestion and the classifier's decision on a received ticket.
 */
export function routing(text: string, title: string | undefined, classification: Classification, rules: RoutingRules): Routing {
  const unlabelled = unlabelledCategoryMention(`${title ?? ''}\n${text}`);
  if (unlabelled) {
    return {
      automatic: false,
      cause: 'unlabelled_category',
      reason: `mentions "${unlabelled.term}" (${unlabelled.category}), a category the model has no training labels for`,
    };
  }
  const words = classification.contentWords;
  if (words < rules.minimumContentWords) {
    return {
      automatic: false,
      cause: 'too_few_words',
      reason:
        words === 0
          ? 'no Chinese content words'
          : `${words} content words, fewer than the ${rules.minimumContentWords} needed to route without an agent`,
    };
  }
  if (classification.confidence < rules.threshold) {
    // Rounded down, so that a confidence just under the threshold never reads as equal to it.
    const shown = (Math.floor(classification.confidence * 100) / 100).toFixed(2);
    return { automatic: false, cause: 'unsure', reason: `model confidence ${shown} is below the threshold ${rules.threshold}` };
  }
  return { automatic: true };
}

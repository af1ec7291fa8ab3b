import { unlabelledCategoryMention, type Classification } from '@hotline/classifier';

export interface RoutingRules {
  /** Confidence from which a ticket is routed without an agent. */
  threshold: number;
  /** Fewest content words from which it may be: on fewer, the model is more confident than it is right. */
  minimumContentWords: number;
}

export type Routing = { automatic: true } | { automatic: false; reason: string };

/**
 * Whether a ticket goes to its department without an agent, or to triage and why. The same
 * rules answer the agent's live suggestion and the classifier's decision on a received ticket.
 */
export function routing(text: string, title: string | undefined, classification: Classification, rules: RoutingRules): Routing {
  const unlabelled = unlabelledCategoryMention(`${title ?? ''}\n${text}`);
  if (unlabelled) {
    return { automatic: false, reason: `mentions "${unlabelled.term}" (${unlabelled.category}), a category the model has no training labels for` };
  }
  if (classification.contentWords < rules.minimumContentWords) {
    return {
      automatic: false,
      reason: `${classification.contentWords} content words, fewer than the ${rules.minimumContentWords} needed to route without an agent: record the appeal as the citizen tells it`,
    };
  }
  if (classification.confidence < rules.threshold) {
    return { automatic: false, reason: `model confidence ${classification.confidence.toFixed(2)} is below the threshold ${rules.threshold}` };
  }
  return { automatic: true };
}

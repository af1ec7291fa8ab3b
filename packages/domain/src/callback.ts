import type { WorkingCalendar } from './calendar';
import { beijingDateKey } from './calendar';
import type { CallbackResolution, Satisfaction } from './ticket';

/** 回访 rules; config overrides any part. */
export interface CallbackPolicy {
  /** Reopens (重办) a citizen may ask for; the next request goes to managers as 督办. */
  reopenLimit: number;
  /** Not reached on this many different working days: closed as unreachable. */
  unreachableDays: number;
}

export const defaultCallbackPolicy: CallbackPolicy = Object.freeze({ reopenLimit: 1, unreachableDays: 3 });

/** What the agent or the citizen's survey answers. */
export interface CallbackAnswer {
  reached: boolean;
  resolved?: CallbackResolution | null;
  satisfaction?: Satisfaction | null;
  comment?: string | null;
  reopen?: boolean;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** 非常满意, 满意 and 基本满意 count as satisfied in 满意率. */
export const satisfiedLevels: readonly Satisfaction[] = Object.freeze(['very_satisfied', 'satisfied', 'basically_satisfied']);

export function isSatisfied(level: Satisfaction): boolean {
  return satisfiedLevels.includes(level);
}

/** A citizen may ask to reopen only what was not solved or not to their satisfaction. */
export function mayAskToReopen(resolved: CallbackResolution, satisfaction: Satisfaction): boolean {
  return resolved !== 'resolved' || !isSatisfied(satisfaction);
}

/** What is wrong with an answer, field by field; empty when it can be recorded. */
export function callbackAnswerProblems(answer: CallbackAnswer): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!answer.reached) {
    for (const field of ['resolved', 'satisfaction'] as const) {
      if (answer[field] != null) problems.push({ field, message: 'only a citizen who was reached can answer it' });
    }
    if (answer.reopen) problems.push({ field: 'reopen', message: 'only a citizen who was reached can ask to reopen' });
    return problems;
  }
  if (answer.resolved == null) problems.push({ field: 'resolved', message: 'required when the citizen was reached' });
  if (answer.satisfaction == null) problems.push({ field: 'satisfaction', message: 'required when the citizen was reached' });
  if (answer.reopen && answer.resolved != null && answer.satisfaction != null && !mayAskToReopen(answer.resolved, answer.satisfaction)) {
    problems.push({ field: 'reopen', message: 'a resolved appeal the citizen is satisfied with cannot be reopened' });
  }
  return problems;
}

export type CallbackOutcome =
  | { kind: 'closed'; reason: 'rated' | 'unreachable' }
  | { kind: 'reopened'; cycle: number; supervision: boolean }
  /** Not reached yet; the callback stays due for another attempt on another working day. */
  | { kind: 'pending'; unreachedDays: number };

export interface CallbackHistory {
  /** The handling cycle being asked about: 1 for the first reply, 2 after the first reopen. */
  cycle: number;
  /** When earlier unreached attempts of this callback were made. */
  unreachedAttempts: readonly Date[];
}

/** Distinct working days (Beijing dates) among the attempts. */
export function unreachedWorkingDays(attempts: readonly Date[], calendar: WorkingCalendar): number {
  return new Set(attempts.filter((a) => calendar.isWorkingDay(a)).map((a) => beijingDateKey(a))).size;
}

/** What a recorded answer does to the ticket. */
export function callbackOutcome(
  answer: CallbackAnswer,
  at: Date,
  history: CallbackHistory,
  calendar: WorkingCalendar,
  policy: CallbackPolicy = defaultCallbackPolicy,
): CallbackOutcome {
  if (!answer.reached) {
    const days = unreachedWorkingDays([...history.unreachedAttempts, at], calendar);
    return days >= policy.unreachableDays ? { kind: 'closed', reason: 'unreachable' } : { kind: 'pending', unreachedDays: days };
  }
  if (answer.reopen && answer.resolved && answer.satisfaction && mayAskToReopen(answer.resolved, answer.satisfaction)) {
    const reopensSoFar = history.cycle - 1;
    return { kind: 'reopened', cycle: history.cycle + 1, supervision: reopensSoFar >= policy.reopenLimit };
  }
  return { kind: 'closed', reason: 'rated' };
}

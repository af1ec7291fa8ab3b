/** Codes used on the wire; the Chinese term is what people see. */

export const channels = ['phone', 'web', 'wechat', 'app', 'sms', 'email', 'other'] as const;
export type Channel = (typeof channels)[number];

export const ticketTypes = ['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise'] as const;
export type TicketType = (typeof ticketTypes)[number];
export const ticketTypeLabels: Record<TicketType, string> = {
  consultation: '咨询',
  help: '求助',
  complaint: '投诉',
  report: '举报',
  suggestion: '建议',
  praise: '表扬',
};

export const urgencies = ['normal', 'urgent', 'emergency'] as const;
export type Urgency = (typeof urgencies)[number];

export const ticketStatuses = [
  'received',
  'triage',
  'classified',
  'dispatched',
  'accepted',
  'returned',
  'replied',
  'callback_pending',
  'closed',
  'reopened',
  'answered',
  'transferred',
  'merged',
] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

export const replyResults = ['resolved', 'partly', 'unresolved', 'explained'] as const;
export type ReplyResult = (typeof replyResults)[number];

/** What the citizen says at the callback (回访): solved, partly solved, not solved. */
export const callbackResolutions = ['resolved', 'partly', 'unresolved'] as const;
export type CallbackResolution = (typeof callbackResolutions)[number];

export const satisfactionLevels = [
  'very_satisfied',
  'satisfied',
  'basically_satisfied',
  'dissatisfied',
  'very_dissatisfied',
] as const;
export type Satisfaction = (typeof satisfactionLevels)[number];

/** Emergency services a ticket can be handed to at once (转办). */
export const emergencyServices = ['110', '119', '120', '122'] as const;
export type EmergencyService = (typeof emergencyServices)[number];

export const roles = ['agent', 'department', 'manager', 'admin'] as const;
export type Role = (typeof roles)[number];

export const eventTypes = [
  'received',
  'classified',
  'triaged',
  'dispatched',
  'accepted',
  'returned',
  'extension_requested',
  'extension_decided',
  'progressed',
  'replied',
  'callback_due',
  'callback_recorded',
  'closed',
  'reopened',
  'answered',
  'transferred',
  'merged',
  'deadline_warning',
  'overdue',
  'noted',
] as const;
export type EventType = (typeof eventTypes)[number];

export interface Actor {
  role: Role | 'system';
  id: string;
}

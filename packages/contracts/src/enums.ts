import {
  callbackResolutions,
  channels,
  emergencyServices,
  eventTypes,
  replyResults,
  roles,
  satisfactionLevels,
  ticketStatuses,
  ticketTypes,
  urgencies,
} from '@hotline/domain';
import { z } from 'zod';

export const Channel = z.enum(channels);
export const TicketType = z.enum(ticketTypes);
export const Urgency = z.enum(urgencies);
export const TicketStatus = z.enum(ticketStatuses);
export const ReplyResult = z.enum(replyResults);
export const Satisfaction = z.enum(satisfactionLevels);
export const EmergencyService = z.enum(emergencyServices);
export const Role = z.enum(roles);
export const EventType = z.enum(eventTypes);
export const CallbackResolution = z.enum(callbackResolutions);

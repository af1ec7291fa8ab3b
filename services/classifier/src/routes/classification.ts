import {
  ClassifyBody,
  ClassifyResult,
  CorrectClassificationBody,
  ErrorBody,
  HotlineError,
  notFound,
  TicketIdParams,
} from '@hotline/contracts';
import { appendTicketEvents, classificationCorrections, newTicketEvent, tickets } from '@hotline/db';
import type { TicketStatus } from '@hotline/domain';
import { principalOf, type Service } from '@hotline/server';
import { eq } from 'drizzle-orm';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { defaultDepartmentFor } from '@hotline/catalogue';
import { routing } from '../routing';
import { resolveCategory, suggestions } from '../suggest';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const CorrectionResult = z.object({
  id: z.string(),
  status: z.string(),
  category: z.string(),
  department: z.string().nullable(),
});

export async function classificationRoutes(app: Service): Promise<void> {
  app.post(
    '/v1/classify',
    {
      config: { roles: ['agent', 'admin'] },
      schema: {
        summary:
          'Live suggestion while an agent types: the top 3 categories with probabilities, and whether the ticket would be routed without an agent (and if not, why)',
        body: ClassifyBody,
        response: { 200: ClassifyResult, ...errors },
      },
    },
    async (request) => {
      const { text, title } = request.body;
      const classification = app.model.classify(text, title);
      const route = routing(text, title, classification, app.rules);
      return {
        modelVersion: app.model.version,
        threshold: app.rules.threshold,
        minimumContentWords: app.rules.minimumContentWords,
        contentWords: classification.contentWords,
        automatic: route.automatic,
        ...(route.automatic ? {} : { reason: route.cause === 'too_few_words' ? `${route.reason}: record the appeal as the citizen tells it` : route.reason }),
        suggestions: suggestions(classification).slice(0, 3),
      };
    },
  );

  app.post(
    '/v1/tickets/:id/classification',
    {
      config: { roles: ['agent', 'admin'] },
      schema: {
        summary: "An agent sets or corrects a ticket's category before dispatch; stored as a training example",
        params: TicketIdParams,
        body: CorrectClassificationBody,
        response: { 200: CorrectionResult, ...errors },
      },
    },
    async (request) => {
      const chosen = resolveCategory(request.body.category);
      if (!chosen) {
        throw new HotlineError('validation_failed', `invalid category: "${request.body.category}" is not a taxonomy code or first-level name`, {
          fields: [{ field: 'category', message: 'unknown category' }],
        });
      }
      const principal = principalOf(request);
      const department = defaultDepartmentFor(chosen.firstLevel) ?? null;
      const { id } = request.params;
      return app.db.transaction(async (tx) => {
        const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, id)).for('update');
        if (!ticket) throw notFound('ticket');
        const predicted = ticket.categoryCode ? resolveCategory(ticket.categoryCode)?.firstLevel ?? null : null;
        const event = newTicketEvent(
          id,
          'classified',
          {
            categoryCode: chosen.code,
            categoryName: chosen.firstLevel,
            department,
            confidence: 1,
            modelVersion: ticket.modelVersion ?? app.model.version,
            alternatives: [],
            correctedBy: principal.keyId,
          },
          { actor: { role: principal.role, id: principal.keyId }, requestId: request.id },
        );
        const status = await appendTicketEvents(
          tx,
          app.names,
          { id, status: ticket.status as TicketStatus, version: ticket.version },
          [event],
          { categoryCode: chosen.code, departmentCode: department },
        );
        await tx.insert(classificationCorrections).values({
          id: uuidv7(),
          ticketId: id,
          title: ticket.title,
          content: ticket.content,
          predicted,
          corrected: chosen.firstLevel,
          categoryCode: chosen.code,
          modelVersion: ticket.modelVersion,
          agentId: principal.keyId,
        });
        return { id, status, category: chosen.code, department };
      });
    },
  );
}

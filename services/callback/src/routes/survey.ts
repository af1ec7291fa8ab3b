import { HotlineError } from '@hotline/contracts';
import type { Service } from '@hotline/server';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CallbackRepository } from '../callback-repository';
import { verifySurveyToken } from '../survey-token';
import { readSurveyForm, surveyForm, surveyPages } from './survey-page';

export interface SurveyRoutesOptions {
  repo: CallbackRepository;
  surveySecret: string;
  now: () => Date;
}

const TokenParams = z.object({ token: z.string() });
const citizen = { role: 'system' as const, id: 'survey' };

function html(reply: FastifyReply, status: number, body: string) {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/**
 * The citizen's survey link (/s/<token>): the page and its form. A forged or altered link is
 * a 404 page, an expired one 410, one already answered (by link or by phone) 409; none of
 * them changes anything.
 */
export async function surveyRoutes(app: Service, opts: SurveyRoutesOptions): Promise<void> {
  const { repo } = opts;
  // Scoped to this plugin: the form posts urlencoded, the JSON API never does. The limit holds the
  // longest comment the page takes: 2,000 汉字 are 18 KB percent-encoded (9 bytes each), more
  // with the line breaks a browser sends as CRLF.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  /** The open callback behind a token, or the page that says why there is none. */
  async function open(token: string, reply: FastifyReply) {
    const id = verifySurveyToken(opts.surveySecret, token);
    const found = id ? await repo.findCallback(id) : null;
    if (!found) return { page: html(reply, 404, surveyPages.invalid()) };
    if (found.callback.completedAt || found.ticket.status !== 'callback_pending') return { page: html(reply, 409, surveyPages.used()) };
    if (found.callback.surveyExpiresAt <= opts.now()) return { page: html(reply, 410, surveyPages.expired()) };
    return { found };
  }

  app.get('/s/:token', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const { page, found } = await open(request.params.token, reply);
    if (page) return page;
    const { ticket, callback } = found;
    return html(reply, 200, surveyForm({ number: ticket.number, title: ticket.title, reply: await repo.replyOf(ticket.id, callback.replyEventId) }));
  });

  app.post('/s/:token', { schema: { hide: true, params: TokenParams } }, async (request, reply) => {
    const { page, found } = await open(request.params.token, reply);
    if (page) return page;
    const { ticket, callback } = found;
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const view = { number: ticket.number, title: ticket.title, reply: await repo.replyOf(ticket.id, callback.replyEventId) };
    const { answer, problems } = readSurveyForm(form);
    if (!answer) return html(reply, 400, surveyForm({ ...view, problems }));
    try {
      const recorded = await repo.record(ticket.id, { reached: true, ...answer }, 'survey', { actor: citizen, requestId: request.id, at: opts.now() }, { callbackId: callback.id });
      return html(reply, 200, surveyPages.thanks(recorded.outcome.kind === 'reopened'));
    } catch (err) {
      if (err instanceof HotlineError && err.code === 'validation_failed') {
        return html(reply, 400, surveyForm({ ...view, problems: ['问题已解决且满意时无需重新办理，请取消"要求重新办理"'] }));
      }
      // Answered by phone a moment ago: the same page as a used link.
      if (err instanceof HotlineError && err.code === 'conflict') return html(reply, 409, surveyPages.used());
      throw err;
    }
  });
}

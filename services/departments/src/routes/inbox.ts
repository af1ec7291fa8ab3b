import { InboxQuery, TicketPage } from '@hotline/contracts';
import { ticketView } from '@hotline/db';
import type { Service } from '@hotline/server';
import { departmentOf, errors } from '../requests';
import { DepartmentTicketRepository } from '../ticket-repository';

export async function inboxRoutes(app: Service): Promise<void> {
  const repo = new DepartmentTicketRepository(app.db, app.names);

  app.get(
    '/v1/inbox',
    {
      config: { roles: ['department'] },
      schema: {
        summary: "The department's tickets, as main (主办) or co-handling (协办) department, newest dispatch first",
        querystring: InboxQuery,
        response: { 200: TicketPage, ...errors },
      },
    },
    async (request) => {
      const department = departmentOf(request);
      const [page, wholePhone] = await Promise.all([repo.inbox(department, request.query), repo.seesWholePhone(department)]);
      return { items: page.items.map((t) => ticketView(t, wholePhone, undefined, true)), nextCursor: page.nextCursor };
    },
  );
}

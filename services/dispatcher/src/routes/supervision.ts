import { ErrorBody, SupervisionList, SupervisionQuery } from '@hotline/contracts';
import type { Service } from '@hotline/server';
import { SupervisionRepository } from '../supervision-repository';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export async function supervisionRoutes(app: Service): Promise<void> {
  const repo = new SupervisionRepository(app.db);

  app.get(
    '/v1/supervision',
    {
      config: { roles: ['manager', 'admin'] },
      schema: { summary: 'Open supervision cases (督办), oldest first', querystring: SupervisionQuery, response: { 200: SupervisionList, ...errors } },
    },
    async (request) => ({ items: await repo.open(request.query.limit) }),
  );
}

import { CatalogueBody, CatalogueVersion, CatalogueVersionParams, ErrorBody, notFound } from '@hotline/contracts';
import { principalOf, type Service } from '@hotline/server';
import { catalogueView, type CatalogueRepository } from '../catalogue-repository';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const readers = ['agent', 'manager', 'admin'] as const;

export async function catalogueRoutes(app: Service, opts: { catalogue: CatalogueRepository; now: () => Date }): Promise<void> {
  const { catalogue } = opts;

  app.get(
    '/v1/catalogue',
    { config: { roles: readers }, schema: { summary: 'The dispatch catalogue (派单目录) in force: its newest version', response: { 200: CatalogueVersion, ...errors } } },
    async () => {
      const newest = await catalogue.newest();
      if (!newest) throw notFound('dispatch catalogue');
      return catalogueView(newest);
    },
  );

  app.get(
    '/v1/catalogue/:version',
    {
      config: { roles: readers },
      schema: { summary: 'One version of the dispatch catalogue', params: CatalogueVersionParams, response: { 200: CatalogueVersion, ...errors } },
    },
    async (request) => {
      const found = await catalogue.find(request.params.version);
      if (!found) throw notFound(`catalogue version ${request.params.version}`);
      return catalogueView(found);
    },
  );

  app.put(
    '/v1/catalogue',
    {
      config: { roles: ['manager', 'admin'] },
      schema: {
        summary: 'Publish a new version of the dispatch catalogue; it routes every dispatch from now on',
        body: CatalogueBody,
        response: { 201: CatalogueVersion, ...errors },
      },
    },
    async (request, reply) => {
      const created = await catalogue.publish(request.body, principalOf(request).keyId, opts.now());
      return reply.status(201).send(catalogueView(created));
    },
  );
}

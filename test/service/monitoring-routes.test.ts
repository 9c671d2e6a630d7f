import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, type Role } from '../../service/auth/roles.ts';
import { freshCrossing, NOW } from './helpers/crossings.ts';
import { buildMonitoringTestApp, type MonitoringTestApp } from './monitoring-fixtures.ts';

let t: MonitoringTestApp;
beforeAll(async () => {
  t = await buildMonitoringTestApp({ clock: () => NOW });
  for (let i = 0; i < 3; i++) {
    const r = await t.app.inject({ method: 'POST', url: '/v1/score', headers: t.auth('officer'), payload: freshCrossing(`routes-${i}`) });
    expect(r.statusCode).toBe(200);
  }
});
afterAll(async () => {
  await t?.close();
});

const ROUTES: readonly { url: string; roles: readonly Role[] }[] = [
  { url: '/v1/monitoring/performance', roles: ['oversight', 'model_owner'] },
  { url: '/v1/monitoring/performance/series', roles: ['oversight', 'model_owner'] },
  { url: '/v1/monitoring/fairness', roles: ['oversight'] },
  { url: '/v1/monitoring/drift', roles: ['oversight', 'model_owner'] },
  { url: '/v1/monitoring/dimensions', roles: ['oversight', 'model_owner'] },
  { url: '/v1/decisions/export', roles: ['oversight'] },
];

describe('roles', () => {
  test.each(ROUTES)('$url admits $roles and refuses every other role with 403, no token with 401', async ({ url, roles }) => {
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    for (const role of ROLES) {
      const response = await t.app.inject({ method: 'GET', url, headers: t.auth(role) });
      expect(response.statusCode, `${role} on ${url}`).toBe(roles.includes(role) ? 200 : 403);
    }
  });
});

describe('bad query parameters get a 400 naming the parameter', () => {
  const cases: readonly [string, RegExp][] = [
    ['/v1/monitoring/performance?from=yesterday', /^from: must be an ISO 8601 date/],
    ['/v1/monitoring/performance?to=2025-13-45', /^to: must be an ISO 8601 date/],
    // Impossible dates and hours are refused, not rolled over (2025-02-31 would read as 2025-03-03).
    ['/v1/monitoring/performance?from=2025-02-31', /^from: must be an ISO 8601 date .*; 2025-02-31 is not a calendar date$/],
    ['/v1/monitoring/performance?to=2025-03-01T24:00:00Z', /^to: must be an ISO 8601 date/],
    ['/v1/monitoring/performance?from=2025-03-02&to=2025-03-01', /^from: must be before to/],
    ['/v1/monitoring/performance?confidence=2', /^confidence: must be less than 1/],
    ['/v1/monitoring/performance?port=25', /^port: must be a 4-digit port code/],
    ['/v1/monitoring/performance?model=a%20b', /^model: must be a model version/],
    ['/v1/monitoring/performance?colour=red', /^colour: unknown field/],
    ['/v1/monitoring/performance/series?step=minute', /^step: must be one of "hour", "day", "week"/],
    ['/v1/monitoring/performance/series?step=hour&from=2020-01-01', /^step: hour steps over this window give \d+ points/],
    ['/v1/monitoring/fairness?attributes=sex,race', /^attributes\.1: must be one of "sex", "ageBand", "citizenship"/],
    ['/v1/monitoring/fairness?attributes=sex,sex', /^attributes: names an attribute twice/],
    ['/v1/monitoring/fairness?reference=race:x', /^reference: "race:x" must be ATTRIBUTE:VALUE/],
    ['/v1/monitoring/fairness?attributes=sex&reference=citizenship:USA', /^reference: names attribute 'citizenship', which is not among attributes/],
    ['/v1/monitoring/fairness?attributes=sex&reference=sex:nobody', /^reference: reference group nobody has no decisions; the groups are: /],
    ['/v1/monitoring/fairness?band=1.5,2', /^band: must be LOWER,UPPER with 0 < LOWER <= 1 <= UPPER/],
    ['/v1/monitoring/fairness?unit=car', /^unit: must be one of "occupant", "driver"/],
    ['/v1/monitoring/fairness?replicates=10', /^replicates: must be at least 50/],
    ['/v1/monitoring/fairness?minCount=-1', /^minCount: must be at least 0/],
    ['/v1/monitoring/drift?model=nobody', /^model: no model card for version 'nobody'/],
    ['/v1/monitoring/drift?minCount=x', /^minCount: must be a number/],
    ['/v1/decisions/export?rows=vehicle', /^rows: must be one of "decision", "occupant"/],
    ['/v1/decisions/export?from=2025-03-02&to=2025-03-01', /^from: must be before to/],
  ];
  test.each(cases)('%s', async (url, message) => {
    const response = await t.app.inject({ method: 'GET', url, headers: t.auth('oversight') });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ message: string }>().message).toMatch(message);
  });
});

describe('reports', () => {
  test('performance answers the window it used, widened to whole hours, with every rate carrying its count and interval', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/monitoring/performance?from=2025-03-01T15:10:00Z&to=2025-03-01T15:20:00Z',
      headers: t.auth('model_owner'),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.window).toEqual({ from: '2025-03-01T15:00:00.000Z', to: '2025-03-01T16:00:00.000Z', port: null, model: null });
    expect(body.decisions).toBe(3);
    expect(body.referralRate).toMatchObject({ denominator: 3 });
    expect(body.referralRate.interval).not.toBeNull();
    expect(body.hitRates.model).toEqual({ value: null, numerator: 0, denominator: 0, interval: null });
  });

  test('the decision export widens its window to whole hours as the reports do, so both count the same decisions', async () => {
    // The crossings are at 15:15 UTC: outside the requested 15:20-15:40, inside the widened 15:00-16:00.
    const window = 'from=2025-03-01T15:20:00Z&to=2025-03-01T15:40:00Z';
    const report = (await t.app.inject({ method: 'GET', url: `/v1/monitoring/performance?${window}`, headers: t.auth('oversight') })).json();
    expect(report.decisions).toBe(3);
    const exported = await t.app.inject({ method: 'GET', url: `/v1/decisions/export?${window}`, headers: t.auth('oversight') });
    expect(exported.statusCode).toBe(200);
    expect(exported.body.trim().split('\n').length - 1).toBe(report.decisions);
    expect(exported.headers['content-disposition']).toBe('attachment; filename="decisions-20250301T150000-20250301T160000.csv"');
  });

  test('dimensions lists the ports and model versions with decisions', async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/v1/monitoring/dimensions', headers: t.auth('oversight') })).json();
    expect(body.ports).toEqual([{ value: '2504', decisions: 3 }]);
    expect(body.models).toEqual([{ value: 'test-lr', decisions: 3 }]);
  });
});

describe('OpenAPI', () => {
  test('every monitoring route documents its query parameters and each status it returns', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> } }>;
    }>();
    for (const { url } of ROUTES) {
      const operation = spec.paths[url]?.get;
      expect(operation, url).toBeDefined();
      for (const status of ['200', '400', '401', '403', '500', '503']) {
        expect(operation!.responses[status]?.content?.['application/json']?.schema, `${url} ${status}`).toBeDefined();
      }
      expect(operation!.parameters?.map((p) => p.name), url).toEqual(expect.arrayContaining(['from', 'to']));
    }
    expect(spec.paths['/v1/monitoring/fairness']!.get!.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(['attributes', 'reference', 'unit', 'band', 'minCount', 'confidence', 'replicates', 'seed', 'port', 'model']),
    );
  });
});

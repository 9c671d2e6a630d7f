import Fastify from 'fastify';

/**
 * The baseline of `npm run bench:serve`: Fastify with one POST route that parses the same JSON
 * payload as /v1/score and replies with a small JSON object, and nothing else (no validation,
 * auth, logging, store or model). Listens on PORT; /health/live tells the bench it is up.
 */
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.post('/bare', async (request) => ({ received: typeof request.body === 'object' }));
app.get('/health/live', async () => ({ status: 'live' }));
// The bench reads the server's CPU time around a run: CPU per request, unlike req/s, does not
// depend on what else the machine is doing.
app.get('/cpu', async () => {
  const { user, system } = process.cpuUsage();
  return { seconds: (user + system) / 1e6 };
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));

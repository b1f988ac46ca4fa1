// The ceiling of `npm run bench:serve` (phase c): a bare Fastify 5 route that parses the same predict
// body and answers a predict-shaped JSON, with no model behind it. Run in a process of its own, like
// the server it is compared with:  node --import tsx bench/serve-ceiling.ts <port>

import Fastify from 'fastify';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
const answer = {
  predictions: [[0.01, 0.02, 0.03, 0.04, 0.5, 0.06, 0.07, 0.08, 0.09, 0.1].map((p) => p + 1e-9)],
  classes: [4],
  classNames: null,
  checkpoint: '00000000-0000-4000-8000-000000000000',
};

app.post('/predict', async (request) => {
  const { instances } = request.body as { instances: number[][] };
  if (!Array.isArray(instances) || instances.length === 0) throw new Error('no instances');
  return answer;
});

await app.listen({ port, host: '127.0.0.1' });

/**
 * `POST /model/preview` through the preview-api function's own Lambda entry, alone in this process, against
 * a running local stack (its DynamoDB and S3 endpoints, from the environment the CDK stack sets on AWS):
 * prints each answer's time and this process's peak RSS as JSON (what the function's memory must hold).
 * Run by `bench/rescore-scale.ts` after its 1M run.
 */
import { DEFAULT_MODEL } from '#core/model/presets.ts';
import { handler } from '#functions/preview-api.ts';
import { httpEvent, lambdaContext } from '#test/support/events.ts';

// A candidate that moves nearly everyone: relationship metrics count four times as much.
const candidate = {
  ...DEFAULT_MODEL,
  metrics: DEFAULT_MODEL.metrics.map((metric) =>
    metric.group === 'relationship' ? { ...metric, weight: metric.weight * 4 } : metric,
  ),
};
const times: number[] = [];
// CPU time of each answer: what a Lambda with one vCPU (1,769 MB) spends, the servers' share apart.
const cpu: number[] = [];
let answer = { partners: 0, basis: { source: '', changedPartners: 0 } };
for (let i = 0; i < 2; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const response = await handler(
    httpEvent({ routeKey: 'POST /model/preview', body: candidate, query: { limit: '100' } }),
    lambdaContext('preview-api'),
  );
  times.push(performance.now() - t0);
  const used = process.cpuUsage(cpu0);
  cpu.push((used.user + used.system) / 1000);
  if (response.statusCode !== 200)
    throw new Error(`POST /model/preview: ${response.statusCode} ${response.body}`);
  answer = JSON.parse(response.body ?? '{}') as typeof answer;
}
console.log(
  JSON.stringify({
    coldMs: times[0],
    coldCpuMs: cpu[0],
    warmCpuMs: cpu[1],
    warmMs: times[1],
    partners: answer.partners,
    source: answer.basis.source,
    changedPartners: answer.basis.changedPartners,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);

import { Gauge, type Registry } from 'prom-client';
import type { MonitoringService, MonitoringSnapshot } from './monitoring-service.ts';

/**
 * Monitoring gauges on the service's Prometheus registry (/metrics), over a rolling window of the
 * last `rollingDays` days, computed at scrape time from the aggregates by the same monitoring
 * service the JSON routes use. One snapshot serves every gauge of a scrape (cached `cacheMs`).
 *
 *   referral_monitor_decisions{port,model_version}
 *   referral_monitor_referral_rate{port,model_version}
 *   referral_monitor_label_coverage{port,model_version}            inspected / recommended referrals
 *   referral_monitor_hit_rate{port,model_version,route}            route: model, random, officer
 *   referral_monitor_hit_rate_lower / _upper{...}                  its Wilson interval
 *   referral_monitor_inspections{port,model_version,route}         the hit rate's denominator
 *   referral_monitor_drift_psi{model_version,feature}              feature "score" for the score
 *   referral_monitor_drift_js_distance{model_version,feature}
 *   referral_monitor_drift_level{model_version,feature}            0 none, 1 warn, 2 alert, -1 too few values
 *   referral_monitor_window_seconds                                the rolling window
 *
 * Rates with no denominator are left out rather than reported as 0.
 */

export interface MonitoringMetricsOptions {
  readonly registry: Registry;
  readonly monitoring: MonitoringService;
  readonly rollingDays?: number;
  readonly cacheMs?: number;
  readonly clock?: () => number;
}

const LEVEL_VALUE = { none: 0, warn: 1, alert: 2, insufficient_data: -1 } as const;

export function registerMonitoringMetrics(options: MonitoringMetricsOptions): void {
  const rollingDays = options.rollingDays ?? 7;
  const cacheMs = options.cacheMs ?? 5000;
  const clock = options.clock ?? Date.now;
  let computedAt = Number.NEGATIVE_INFINITY;
  let pending: MonitoringSnapshot | null = null;

  const gauges: Gauge[] = [];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> => {
    const g = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [options.registry],
      collect: () => refresh(),
    });
    gauges.push(g as unknown as Gauge);
    return g;
  };
  const cell = ['port', 'model_version'] as const;
  const routed = ['port', 'model_version', 'route'] as const;
  const featured = ['model_version', 'feature'] as const;
  const decisions = gauge('referral_monitor_decisions', 'Decisions in the rolling window', cell);
  const referralRate = gauge('referral_monitor_referral_rate', 'Recommended referrals / decisions, rolling window', cell);
  const labelCoverage = gauge('referral_monitor_label_coverage', 'Recommended referrals with an inspection result / recommended referrals, rolling window', cell);
  const hitRate = gauge('referral_monitor_hit_rate', 'Seizures / inspections by referral route (model, random, officer), rolling window', routed);
  const hitRateLower = gauge('referral_monitor_hit_rate_lower', 'Lower end of the hit rate 95 % Wilson interval', routed);
  const hitRateUpper = gauge('referral_monitor_hit_rate_upper', 'Upper end of the hit rate 95 % Wilson interval', routed);
  const inspections = gauge('referral_monitor_inspections', 'Inspections behind the hit rate, rolling window', routed);
  const psi = gauge('referral_monitor_drift_psi', 'Population stability index vs the model card training distribution, rolling window', featured);
  const js = gauge('referral_monitor_drift_js_distance', 'Jensen-Shannon distance vs the model card training distribution, rolling window', featured);
  const level = gauge('referral_monitor_drift_level', 'Drift level: 0 none, 1 warn (PSI >= 0.1), 2 alert (PSI >= 0.25), -1 too few values', featured);
  const windowSeconds = gauge('referral_monitor_window_seconds', 'Length of the rolling window of the referral_monitor_* gauges', []);

  function refresh(): void {
    const now = clock();
    if (pending !== null && now - computedAt < cacheMs) return;
    const snapshot = options.monitoring.snapshot(rollingDays);
    pending = snapshot;
    computedAt = now;
    for (const g of gauges) g.reset();
    windowSeconds.set(rollingDays * 86_400);
    for (const c of snapshot.cells) {
      const labels = { port: c.port, model_version: c.model };
      decisions.set(labels, c.decisions);
      if (c.referralRate.value !== null) referralRate.set(labels, c.referralRate.value);
      if (c.labelCoverage.value !== null) labelCoverage.set(labels, c.labelCoverage.value);
      for (const route of ['model', 'random', 'officer'] as const) {
        const r = c.hitRates[route];
        const routeLabels = { ...labels, route };
        inspections.set(routeLabels, r.denominator);
        if (r.value === null || r.interval === null) continue;
        hitRate.set(routeLabels, r.value);
        hitRateLower.set(routeLabels, r.interval.lower);
        hitRateUpper.set(routeLabels, r.interval.upper);
      }
    }
    for (const d of snapshot.drift) {
      for (const r of d.results) {
        const labels = { model_version: d.model, feature: r.name };
        level.set(labels, LEVEL_VALUE[r.level]);
        if (r.psi !== null) psi.set(labels, r.psi);
        if (r.jensenShannon !== null) js.set(labels, r.jensenShannon);
      }
    }
  }
}

// hub/channels — Prometheus metrics of channel sync, registered in the registry the hub passes in.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChannelHealth } from '../../protocols/channels/health.js';

export class ChannelMetrics {
  private readonly alert: Gauge<'channel'>;
  private readonly failures: Gauge<'channel'>;
  private readonly unsyncedAge: Gauge<'channel'>;
  private readonly drift: Gauge<'channel'>;
  private readonly lastSuccess: Gauge<'channel'>;
  readonly pushes: Counter<'channel' | 'result'>;
  readonly marks: Counter;
  readonly requests: Counter<'channel'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.alert = new Gauge({ name: 'dockgate_channel_alert', help: '1 while the channel has an error-level sync alert', labelNames: ['channel'], registers });
    this.failures = new Gauge({ name: 'dockgate_channel_consecutive_failures', help: 'failed pushes in a row', labelNames: ['channel'], registers });
    this.unsyncedAge = new Gauge({ name: 'dockgate_channel_oldest_unsynced_seconds', help: 'age of the oldest change the channel has not confirmed', labelNames: ['channel'], registers });
    this.drift = new Gauge({ name: 'dockgate_channel_drift_units', help: 'units the channel shows off from what it should (shadow: as read from the channel)', labelNames: ['channel'], registers });
    this.lastSuccess = new Gauge({ name: 'dockgate_channel_last_success_timestamp_seconds', help: 'when the channel last confirmed a push', labelNames: ['channel'], registers });
    this.pushes = new Counter({ name: 'dockgate_channel_push_items_total', help: 'SKU quantities pushed, by outcome', labelNames: ['channel', 'result'], registers });
    this.requests = new Counter({ name: 'dockgate_channel_push_batches_total', help: 'logical pushes (one idempotency key each)', labelNames: ['channel'], registers });
    this.marks = new Counter({ name: 'dockgate_channel_dirty_marks_total', help: 'stock changes that marked a SKU dirty', registers });
  }

  observe(h: ChannelHealth): void {
    const l = { channel: h.channel };
    this.alert.set(l, h.status === 'alert' ? 1 : 0);
    this.failures.set(l, h.consecutiveFailures);
    this.unsyncedAge.set(l, (h.oldestUnsyncedAgeMs ?? 0) / 1000);
    this.drift.set(l, h.shadow ? h.shadow.mismatchedUnits : h.drift.units);
    if (h.lastSuccessAt) this.lastSuccess.set(l, Date.parse(h.lastSuccessAt) / 1000);
  }
}

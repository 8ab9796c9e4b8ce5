// connectors — the shape every sales-channel connector has: push absolute quantities, read them back.

/** One SKU's quantity to set on a channel. */
export interface PushItem {
  /** our SKU */
  sku: string;
  /** the channel's item id (Shopify InventoryItem gid, Amazon seller SKU, webhook item id) */
  item: string;
  /** the channel's location id, where it has one (Shopify) */
  location?: string;
  quantity: number;
  /** What we last knew the channel showed: Shopify's `changeFromQuantity` compare-and-set. null = unknown. */
  from: number | null;
}

export type PushOutcome =
  | { sku: string; status: 'ok'; quantity: number }
  /** The channel held another quantity than `from`; `current` is what it shows now (re-read), null if unreadable. */
  | { sku: string; status: 'stale'; current: number | null }
  /** Not applied because another item of the same batch was rejected: push again, not a failure of this SKU. */
  | { sku: string; status: 'deferred'; reason: string }
  | { sku: string; status: 'failed'; error: string };

export interface ReadItem {
  sku: string;
  item: string;
  location?: string;
}

export type ReadOutcome = { sku: string; quantity: number | null; error?: string };

export interface Connector {
  readonly kind: 'shopify' | 'amazon' | 'webhook';
  /** Most items one `push` call should carry. */
  readonly batchSize: number;
  /**
   * Set absolute quantities. `key` is the idempotency key of this logical push: every HTTP try of it (after a 5xx, a
   * timeout, a throttle) carries the same key, so the channel applies it at most once. Resolves with one outcome per
   * item; never rejects for a channel-side failure (those are `failed` outcomes).
   */
  push(items: readonly PushItem[], key: string): Promise<PushOutcome[]>;
  /** What the channel shows now, per item (shadow mode, stale compare, drift checks). */
  read(items: readonly ReadItem[]): Promise<ReadOutcome[]>;
}

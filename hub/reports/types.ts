// hub/reports — what the KPI report and its series answer (money in the site currency's minor units). No imports: the
// console's KPI screen reads these same types.

export interface KpiReport {
  period: { from: string; to: string; days: number };
  inventoryRecordAccuracy: { skuLocations: number; withinTolerance: number; ratio: number | null; units: { book: number; absDifference: number; ratio: number | null } };
  receivingAccuracy: { closed: number; withoutVariance: number; ratio: number | null };
  shippingAccuracy: { closed: number; withoutVariance: number; ratio: number | null };
  openVariances: { total: number; byAge: { under1d: number; from1to3d: number; from3to7d: number; over7d: number }; byType: Record<string, number> };
  sellThrough: { sold: number; openingOnHand: number; received: number; closingOnHand: number; ratio: number | null };
  turnover: { cogs: number; openingValue: number; closingValue: number; averageInventory: number; ratio: number | null };
  daysOnHand: number | null;
  deadStock: { days: number; items: Array<{ sku: string; onHand: number; value: number; lastShippedAt: string | null }> };
  lowStock: { alerts: Array<{ sku: string; onHand: number; available: number; reorderPoint: number }> };
  reorderSuggestions: { coverDays: number; items: Array<{ sku: string; available: number; reorderPoint: number; dailySales: number; qty: number; unitCost: number; value: number }> };
}

export interface KpiPoint {
  from: string;
  to: string;
  inventoryRecordAccuracy: number | null;
  receivingAccuracy: number | null;
  shippingAccuracy: number | null;
  turnover: number | null;
  daysOnHand: number | null;
  /** units shipped to customers (net) and their cost */
  sold: number;
  cogs: number;
  /** at the period's end */
  onHand: number;
  inventoryValue: number;
  deadStock: { skus: number; units: number; value: number };
  lowStockSkus: number;
  openVariances: number;
}

// fleet/client — words for numbers (pure).

/** "12 s", "4 min", "3 h 5 min", "2 d 4 h": how far behind a site is. */
export function behind(s: number | null): string {
  if (s === null) return 'no change yet';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export const count = (n: number): string => n.toLocaleString('en-US');

export const STATUS_WORDS: Record<string, string> = { in_transit: 'in transit', received: 'received', discrepant: 'discrepant' };
export const TYPE_WORDS: Record<string, string> = {
  shipped_not_received: 'shipped, not received',
  received_never_shipped: 'received, never shipped',
  received_wrong_site: 'received at the wrong site',
};

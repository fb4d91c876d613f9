/** The event catalog: which event types may be published and subscribed to. Configuration, not code. */

export interface EventTypeInfo {
  readonly type: string;
  readonly description: string;
}

/** YumKiosk's catalog, the default. */
export const DEFAULT_CATALOG: readonly EventTypeInfo[] = [
  {
    type: 'session.started',
    description:
      'A new kiosk session is created (customer tapped Tap to Order): session ID, kiosk ID, creation timestamp.',
  },
  {
    type: 'session.accepted',
    description: 'An agent accepts a pending session: adds the agent ID and accept timestamp.',
  },
  {
    type: 'session.ended',
    description:
      'A session ends, whatever the reason: end reason, duration, and the full order object if any.',
  },
  {
    type: 'order.created',
    description: 'A cart becomes a paid order: the full order with line items, totals and payment intent ID.',
  },
  { type: 'order.refunded', description: 'A manager refunds a paid order: refund amount and reason.' },
  { type: 'kiosk.paired', description: 'A new kiosk completes pairing.' },
  { type: 'kiosk.offline', description: 'A kiosk has been offline for 2 minutes or more.' },
  { type: 'agent.shift_started', description: 'An agent toggles to Available after being Offline.' },
  { type: 'agent.shift_ended', description: 'An agent toggles to Offline after being Available.' },
  { type: 'invoice.generated', description: 'A monthly SaaS invoice is created (the 1st of each month).' },
  { type: 'invoice.paid', description: 'The monthly invoice is charged successfully.' },
];

/** Subscribing to `*` means every type in the catalog, including types added later. */
export const WILDCARD = '*';

export class EventCatalog {
  private readonly types: ReadonlySet<string>;
  constructor(readonly entries: readonly EventTypeInfo[]) {
    this.types = new Set(entries.map((e) => e.type));
  }
  has(type: string): boolean {
    return this.types.has(type);
  }
}

import { describe, expect, it } from 'vitest';
import { selectEndpoints } from '../../lambdas/domain/fanout';
import { endpointFixture } from '../support/fakes';

const orders = endpointFixture({ id: 'ep_orders', events: ['order.created', 'order.refunded'] });
const sessions = endpointFixture({ id: 'ep_sessions', events: ['session.started'] });
const everything = endpointFixture({ id: 'ep_all', events: ['*'] });
const disabledOrders = endpointFixture({ id: 'ep_off', events: ['order.created'], status: 'disabled' });
const disabledAll = endpointFixture({ id: 'ep_off_all', events: ['*'], status: 'disabled' });
const all = [orders, sessions, everything, disabledOrders, disabledAll];

const ids = (type: string) => selectEndpoints(all, type).map((ep) => ep.id);

describe('selectEndpoints', () => {
  it('selects the enabled endpoints subscribed to the type, in the order given', () => {
    expect(ids('order.created')).toEqual(['ep_orders', 'ep_all']);
    expect(ids('session.started')).toEqual(['ep_sessions', 'ep_all']);
  });

  it('matches types exactly, not by prefix or pattern', () => {
    expect(ids('order')).toEqual(['ep_all']);
    expect(ids('order.created.v2')).toEqual(['ep_all']);
    expect(selectEndpoints([endpointFixture({ events: ['order.*'] })], 'order.created')).toEqual([]);
  });

  it('sends every type to an endpoint subscribed to "*"', () => {
    expect(ids('invoice.paid')).toEqual(['ep_all']);
    expect(ids('kiosk.offline')).toEqual(['ep_all']);
  });

  it('never selects a disabled endpoint, even one subscribed to "*"', () => {
    for (const type of ['order.created', 'invoice.paid']) {
      expect(ids(type)).not.toContain('ep_off');
      expect(ids(type)).not.toContain('ep_off_all');
    }
  });

  it('selects nothing from no endpoints', () => {
    expect(selectEndpoints([], 'order.created')).toEqual([]);
  });
});

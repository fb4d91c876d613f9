/** The store contract (test/contract) against the in-memory FakeStore the unit tests use. */
import { storeContract } from '../contract/store.contract';
import { FakeStore } from '../support/fake-store';

storeContract('FakeStore', async (clock) => ({ store: new FakeStore(clock, { retentionDays: 30 }) }));

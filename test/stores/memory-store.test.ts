import { MemoryStore } from 'parley-chat';
import { describeStoreContract } from './store-contract.js';

const store = new MemoryStore();
describeStoreContract('MemoryStore', async () => store);

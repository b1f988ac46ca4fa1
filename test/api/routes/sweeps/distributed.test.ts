// Sweeps on BullMQ (the real Redis, a private prefix) with a worker in this process.
import { sweepSuite } from './suite.js';

sweepSuite('distributed');

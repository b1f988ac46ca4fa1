// Sweeps on the embedded queue (training threads in this process).
import { sweepSuite } from './suite.js';

sweepSuite('embedded');

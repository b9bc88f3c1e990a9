/** The 1st, 3rd and 5th 1-node chaos seeds (chaos-runs.ts says why the runs are split in three files). */
import { describeChaos, seedRuns } from './chaos-runs.ts';

describeChaos(seedRuns(0));

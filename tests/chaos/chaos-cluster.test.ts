/** The 2-node chaos run (chaos-runs.ts says why the runs are split in three files). */
import { CLUSTER_RUNS, describeChaos } from './chaos-runs.ts';

describeChaos(CLUSTER_RUNS);

/** Group load generator process (figure 9): one GroupLoadGenerator driven by the bench over IPC. */
import { GroupLoadGenerator, type GroupClosedArgs, type GroupConnectArgs, type GroupOpenArgs } from '../lib/group-load.ts';
import { emitToParent, serveRpc } from '../lib/procs.ts';

const gen = new GroupLoadGenerator((phase) => emitToParent(`window-${phase}`));
serveRpc(
  {
    connect: (a) => gen.connect(a as GroupConnectArgs),
    closed: (a) => gen.closed(a as GroupClosedArgs),
    open: (a) => gen.open(a as GroupOpenArgs),
    check: () => gen.check(),
    disconnect: () => gen.disconnect(),
  },
  () => gen.disconnect(),
);

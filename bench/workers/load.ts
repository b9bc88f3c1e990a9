/** Load generator process: one LoadGenerator driven by the bench over IPC. */
import { LoadGenerator, type ClosedArgs, type ConnectArgs, type OpenArgs } from '../lib/load.ts';
import { emitToParent, serveRpc } from '../lib/procs.ts';

const gen = new LoadGenerator((phase) => emitToParent(`window-${phase}`));
serveRpc(
  {
    connect: (a) => gen.connect(a as ConnectArgs),
    closed: (a) => gen.closed(a as ClosedArgs),
    open: (a) => gen.open(a as OpenArgs),
    check: () => gen.check(),
    disconnect: () => gen.disconnect(),
  },
  () => gen.disconnect(),
);

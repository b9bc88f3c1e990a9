// The list snapshot's script: a bundle of its own, loaded by index.html as a classic `defer` script
// ahead of the entry module (build/list-snapshot-script.ts), so the picture of the list is drawn
// without waiting for the entry to download, compile and run (boot/paint-list-snapshot.ts).
import { paintListSnapshot } from './paint-list-snapshot.ts';

paintListSnapshot();

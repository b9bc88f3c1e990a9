/** `npm run bench -- --help`. */
export const helpText = (figures: readonly string[]): string => `npm run bench -- [flags]
  --quick                      small sizes for development
  --only=a,b                   figures: ${figures.join(', ')} (latency implies throughput)
  --targets=sqlite,mongodb     Pigeon stores to measure (bare Socket.io always runs as baseline)
  --clients=N --inflight=K     figure 1: sockets (pairs) and sends awaiting ack per socket
  --mongo-clients=N            sockets for the MongoDB store when different (default: --clients);
                               a bare run with the same count is added for its ratio
  --warmup=S --duration=S      figure 1 warm-up and window, seconds; --paced-duration=S for figure 2
  --catchup-messages=N --catchup-conversations=N
  --mongo-catchup-messages=N   (default 5,000) and --mongo-outbox-messages=N (default 500):
                               smaller sizes for FerretDB, whose queries scan (see docs/benchmarks.md)
  --outbox-messages=N
  --client-messages=N --client-conversations=N --client-open=N
  --idle-sockets=N
  --raw-batch=N --raw-batches=N  figure 7 (mongo-raw): batch size (default 200) and measured batches per
                               side (default 100; quick 10); --raw-conversations=N (default 100);
                               --raw-inflight=N batches in flight on both sides (default 1);
                               --raw-server-duration=S window of the full-server half (default 10; 0 skips it)
  --cross-pairs=N              figure 8 (cross-node): sender/recipient pairs per placement (default 100; quick 20),
                               --inflight, --warmup, --duration as figure 1; paced runs at --cross-fraction
                               (default 0.5) of the same-node max for --paced-duration seconds
  --group-sizes=10,100         figure 9 (groups): group sizes, over --group-sockets=N users (default 400; quick 200),
                               --group-senders=N senders per group (default 2), --inflight, --warmup, --duration as
                               figure 1; a paced run at --group-fraction (default 0.5) of each server's max
  --attachment-runs=N          figure 10 (attachments): timed rounds of the 10 MiB upload/download per server
                               (default 11; quick 2); --attachment-mib=N file size in MiB (default 10);
                               --attachment-mongo-rss also the memory runs on MongoDB (slow on FerretDB)
  --search-messages=N          figure 11 (search): messages in the SQLite file (default 200,000; quick 20,000)
  --lighthouse-runs=N          figure 12 (first-load): Lighthouse runs per page, median reported (default 3; quick 1);
                               needs a built client/dist (npm run build)
  --cpu-prof                   V8 CPU profiles of the server child over each throughput window,
                               into bench/profiles/ (summarise: node --import tsx bench/lib/profile.ts FILE)
  --step-timeout=MIN           a figure still running after MIN minutes fails the run, named (default 60)
  --out=PATH                   report path (default docs/benchmarks.md); --no-write to skip it

Environment: BENCH_FERRET_LOG_LEVEL=debug logs every command FerretDB receives (with its SQL) into the
run's output, BENCH_FERRET_DEBUG_ADDR=127.0.0.1:PORT serves its Go pprof: to find what a figure on
MongoDB waits for.`;

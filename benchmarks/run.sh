#!/usr/bin/env bash
# Runs the benchmark on every backend this machine can start (servers started as the tests start them:
# private PostgreSQL and Redis from the OS packages, S3Mock and DynamoDB Local from Maven Central, Azurite from npm, the
# file store, statestore serve in front of memory), then writes benchmarks/results/: results.csv,
# results.md, ratios.png and deploys.png.
#
#   benchmarks/run.sh            # the full run: 10,000 single operations (S3: 1,000), deploys of 1,000 and 10,000 on 1 and 8 threads
#   QUICK=1 benchmarks/run.sh    # a short run to try it: 300 operations, deploys of 300
#   BACKENDS="file redis" benchmarks/run.sh   # runs those again; the other backends' rows stay
#   BACKENDS=alchemy benchmarks/run.sh         # the file store against Alchemy's own LocalState (needs node and npm)
#   BACKENDS="s3-remote dynamodb-remote" benchmarks/run.sh   # S3 and DynamoDB through a proxy adding a 20 ms round trip
#   WORKLOADS=scaling BACKENDS=redis benchmarks/run.sh   # only some workloads: their rows of those backends go
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
results="$root/benchmarks/results"
mkdir -p "$results"
# The same private servers as the tests' local tier, without probing for a container engine first.
export STATESTORE_TEST_SERVERS="${STATESTORE_TEST_SERVERS:-local}"
# A run of every workload of every backend starts the table afresh; BACKENDS=… or WORKLOADS=… replaces only
# those rows, keeping the rest.
if [ -z "${BACKENDS:-}" ] && [ -z "${WORKLOADS:-}" ]; then
  rm -f "$results/results.csv"
fi

if [ -n "${QUICK:-}" ]; then
  common=(--ops 300 --deploy 300 --threads 1,8 --load 2000 --contention-seconds 3 --scaling 100,2000)
  s3=(--ops 300 --deploy 300 --threads 1,8 --load 1000 --contention-seconds 3 --scaling 100,1000)
  alchemy=(--records 1000 --threads 8)
  dynamodb_remote=(--records 1000 --deploy 100)
  s3_remote=(--records 300 --deploy 50)
else
  common=(--ops 10000 --deploy 1000,10000 --threads 1,8 --load 10000 --contention-seconds 10 --scaling 100,10000,100000)
  # S3Mock reads its whole bucket index on every request: beyond a few thousand objects it measures itself.
  s3=(--ops 1000 --deploy 1000 --threads 1,8 --load 2000 --contention-seconds 10 --scaling 100,2000)
  alchemy=(--records 10000 --threads 8)
  dynamodb_remote=(--records 10000 --deploy 1000)
  # S3Mock serves one request at a time, and its cost grows with the bucket: sized to finish in minutes.
  s3_remote=(--records 2000 --deploy 200)
fi

echo "building (tests skipped)..."
mvn -B -ntp -q install -DskipTests

run() { # module, main class, arguments...
  local module="$1" main="$2"
  shift 2
  if [ -f "$results/results.csv" ]; then # this backend's earlier rows (of the workloads run) go
    local which="[^,]*"
    [ -z "${WORKLOADS:-}" ] || which="($(echo "$WORKLOADS" | sed 's/load/load scope/; s/,/|/g'))"
    grep -v -E "^${label},${which}," "$results/results.csv" > "$results/results.csv.tmp" || true
    mv "$results/results.csv.tmp" "$results/results.csv"
  fi
  [ -z "${WORKLOADS:-}" ] || set -- "$@" --workloads "$WORKLOADS"
  (cd "$root/$module" && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt >/dev/null)
  echo "== $module: $main"
  (cd "$root/$module" && java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-cp.txt)" "$main" \
      --csv "$results/results.csv" "$@")
  # The file store's runs leave the kernel writing back (and deleting) hundreds of thousands of files: let it
  # finish before the next backend is timed.
  sync
}

for backend in ${BACKENDS:-file alchemy postgresql redis dynamodb dynamodb-remote s3 s3-remote azblob http}; do
  label="$backend"
  [ "$backend" = http ] && label='"http \(serve, memory\)"' # a regular expression (grep -E)
  case "$backend" in
    file) run benchmarks dev.statestore.bench.FileBenchmark "${common[@]}" ;;
    # The file store against Alchemy's own LocalState (Node, npm) on this disk and on /dev/shm: its own workload.
    alchemy) [ -n "${WORKLOADS:-}" ] || run benchmarks dev.statestore.bench.AlchemyComparison "${alchemy[@]}" ;;
    # Through a proxy that adds a 20 ms round trip (LatencyProxy): getAll against the SDK's best read, deploys.
    dynamodb-remote) [ -n "${WORKLOADS:-}" ] || run store-dynamodb dev.statestore.dynamodb.DynamoDbRemoteBenchmark "${dynamodb_remote[@]}" ;;
    s3-remote) [ -n "${WORKLOADS:-}" ] || run store-s3 dev.statestore.s3.S3RemoteBenchmark "${s3_remote[@]}" ;;
    postgresql) run store-postgres dev.statestore.postgres.PostgresBenchmark "${common[@]}" ;;
    redis) run store-redis dev.statestore.redis.RedisBenchmark "${common[@]}" ;;
    dynamodb) run store-dynamodb dev.statestore.dynamodb.DynamoDbBenchmark "${common[@]}" ;;
    s3) run store-s3 dev.statestore.s3.S3Benchmark "${s3[@]}" ;;
    azblob) run store-azblob dev.statestore.azblob.AzureBlobBenchmark "${s3[@]}" ;;
    http) run store-http dev.statestore.http.HttpBenchmark "${common[@]}" ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
done

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(java -version 2>&1 | head -1)"
(cd "$root/benchmarks" && java -cp "target/classes:$(cat target/bench-cp.txt 2>/dev/null || true)" \
    dev.statestore.bench.Report "$results/results.csv" "$machine") || {
  (cd "$root/benchmarks" && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt >/dev/null)
  (cd "$root/benchmarks" && java -cp "target/classes:$(cat target/bench-cp.txt)" dev.statestore.bench.Report "$results/results.csv" "$machine")
}

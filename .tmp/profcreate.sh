set -e
cd /work/main
D=$(mktemp -d)
psql -h 127.0.0.1 -U postgres -d test -c "drop database if exists bench_c" -c "create database bench_c" >/dev/null 2>&1
KEYRA_LOG_LEVEL=info KEYRA_RATE_LIMIT_PER_KEY=10000000 KEYRA_RATE_LIMIT_PER_IP=10000000 node --cpu-prof --cpu-prof-dir=/tmp/profc packages/server/bin/keyra.js serve --port 4999 --database postgres://postgres@127.0.0.1:5432/bench_c --data-dir $D > /dev/null 2>&1 &
PID=$!
for i in $(seq 1 50); do curl -s localhost:4999/healthz >/dev/null && break; sleep 0.3; done
KEY=$(cat $D/sandbox-key)
npx autocannon -c 10 -d 3 -m POST -H "authorization=Bearer $KEY" -H "content-type=application/json" -b '{"action":"transfer.approve","userId":"usr_8f2a","payload":{"amount":12500,"currency":"USD"}}' http://127.0.0.1:4999/v1/challenges > /dev/null 2>&1
psql -h 127.0.0.1 -U postgres -d bench_c -c analyze >/dev/null
npx autocannon -c 10 -d 10 -m POST -H "authorization=Bearer $KEY" -H "content-type=application/json" -b '{"action":"transfer.approve","userId":"usr_8f2a","payload":{"amount":12500,"currency":"USD"}}' http://127.0.0.1:4999/v1/challenges 2>&1 | grep -A3 "Req/Sec" | head -4
kill -TERM $PID; wait $PID || true

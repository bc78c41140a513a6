#!/usr/bin/env bash
# bench/mcp.sh [BUILD_DIR] — how fast sms-mcp answers: one session on the
# sandbox provider, driven by a small node client that writes a request and
# times the answer line. Prints the median, 90th percentile and maximum of
# tools/list, a stage_sms call and ping, the start-up (initialize), and
# sms-stage alone for comparison, with the command that reproduces them.
# Then a stage_sms of 1,000 numbers (10 of them invalid) in one call, and
# sms-stage alone on the same 1,000 records.
# Targets: tools/list and stage_sms each under 50 ms; the 1,000-number
# stage_sms under 500 ms (median). RUNS and BULK_RUNS may be set.
# Measured 2026-12-07 on the 2-core build machine, load average 11 (RUNS=20
# BULK_RUNS=11): tools/list 7.7 ms, stage_sms 22.1 ms, the 1,000-number
# stage_sms 403 ms median (p90 549 ms; sms-stage alone on the same records
# 108 ms; the answer is 661 KB, its records in structuredContent).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$(cd "$build/bin" && pwd)
runs=${RUNS:-50}
bulk_runs=${BULK_RUNS:-11}
command -v node >/dev/null || { echo "bench/mcp.sh: needs node (the client that times the answers)" >&2; exit 1; }
[ -x "$bin/sms-mcp" ] || { echo "bench/mcp.sh: no $bin/sms-mcp: run make first" >&2; exit 1; }
w=$(mktemp -d "${TMPDIR:-/tmp}/smskit-bench-mcp.XXXXXX")
trap 'rm -rf "$w"' EXIT
export SMS_DB="$w/sms.db" SMS_CONFIG="$w/config" SMS_PROVIDER=sandbox SMS_QUIET_HOURS=off
unset SMS_MCP_DIRECT_SEND

cat >"$w/client.mjs" <<'JS'
import { spawn } from 'node:child_process';
const [mcp, runs, bulkRuns] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
// Its log (stderr) is dropped: the 1,000-number call logs its 10 refusals each time.
const p = spawn(mcp, [], { stdio: ['pipe', 'pipe', 'ignore'] });
let buf = '', waiting = null;
p.stdout.on('data', (d) => {
	buf += d;
	let i;
	while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); waiting(l); }
});
const ask = (m) => new Promise((r) => { waiting = r; p.stdin.write(JSON.stringify(m) + '\n'); });
let id = 0;
async function time(name, method, params, n, partial = false) {
	const ts = [];
	let bytes = 0;
	for (let i = 0; i < n; i++) {
		const t0 = process.hrtime.bigint();
		const a = await ask({ jsonrpc: '2.0', id: ++id, method, params });
		ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
		bytes = a.length;
		// The 1,000-number call refuses its 10 invalid numbers: isError, by design.
		if (!a.includes('"result"') || (!partial && a.includes('"isError":true'))) throw new Error(`${name}: ${a.slice(0, 300)}`);
	}
	ts.sort((a, b) => a - b);
	const q = (f) => ts[Math.min(n - 1, Math.floor(f * n))].toFixed(1);
	console.log(`${name.padEnd(12)} runs: ${String(n).padStart(3)}  median: ${q(0.5).padStart(6)} ms  p90: ${q(0.9).padStart(6)} ms  max: ${ts[n - 1].toFixed(1).padStart(6)} ms  answer: ${bytes} bytes`);
}
await time('initialize', 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } }, 1);
p.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
await time('tools/list', 'tools/list', {}, runs);
await time('stage_sms', 'tools/call', { name: 'stage_sms', arguments: { to: '+15551234567', message: 'Your table is ready', priority: 'high', notes: 'bench' } }, runs);
await time('ping', 'ping', {}, runs);
const to = [];
for (let i = 0; i < 990; i++) to.push(`+1555300${String(i).padStart(4, '0')}`);
for (let i = 0; i < 10; i++) to.push(`bad${i}`);
await time('stage 1000', 'tools/call', { name: 'stage_sms', arguments: { to, message: 'Big sale today' } }, bulkRuns, true);
p.stdin.end();
JS

# The program alone first, one process per record as sms-mcp runs it, on a
# store of its own.
echo "== sms-stage alone, one record a process ($runs runs) =="
declare -a ms=()
for ((i = 0; i < runs; i++)); do
	t0=${EPOCHREALTIME/[.,]/}
	printf '%s\n' '{"to":"+15551234567","body":"Your table is ready","priority":"high","notes":"bench"}' |
		SMS_DB="$w/alone.db" "$bin/sms-stage" -o json >/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	ms+=($(((t1 - t0) / 100)))
done
mapfile -t sorted < <(printf '%s\n' "${ms[@]}" | sort -n)
awk -v n="$runs" -v med="${sorted[$((runs / 2))]}" -v p90="${sorted[$((runs * 9 / 10))]}" -v max="${sorted[$((runs - 1))]}" 'BEGIN {
	printf "sms-stage    runs: %3d  median: %6.1f ms  p90: %6.1f ms  max: %6.1f ms  (the program alone: sms-mcp adds what stage_sms takes beyond this)\n", n, med / 10, p90 / 10, max / 10 }'
echo "== sms-mcp: answers on one session ($runs runs each; load average $(cut -d' ' -f1-3 /proc/loadavg)) =="
node "$w/client.mjs" "$bin/sms-mcp" "$runs" "$bulk_runs"
staged=$(sqlite3 -batch "$SMS_DB" "SELECT count(*) FROM messages" 2>/dev/null || echo "?")
echo "stored by the stage_sms calls: $staged messages"

# The same 1,000 records through sms-stage alone, for comparison.
for ((i = 0; i < 990; i++)); do printf '{"to":"+1555300%04d","body":"Big sale today"}\n' "$i"; done >"$w/bulk.ndjson"
for ((i = 0; i < 10; i++)); do printf '{"to":"bad%d","body":"Big sale today"}\n' "$i"; done >>"$w/bulk.ndjson"
ms=()
for ((i = 0; i < bulk_runs; i++)); do
	t0=${EPOCHREALTIME/[.,]/}
	SMS_DB="$w/alone.db" "$bin/sms-stage" -o json <"$w/bulk.ndjson" >/dev/null 2>&1 || true
	t1=${EPOCHREALTIME/[.,]/}
	ms+=($(((t1 - t0) / 100)))
done
mapfile -t sorted < <(printf '%s\n' "${ms[@]}" | sort -n)
awk -v n="$bulk_runs" -v med="${sorted[$((bulk_runs / 2))]}" -v max="${sorted[$((bulk_runs - 1))]}" 'BEGIN {
	printf "sms-stage 1000 records alone  runs: %3d  median: %6.1f ms  max: %6.1f ms\n", n, med / 10, max / 10 }'

echo "targets: tools/list and stage_sms each answered in under 50 ms (stage_sms is the program's own time plus the shim's); stage 1000 under 500 ms"
echo "reproduce: RUNS=$runs BULK_RUNS=$bulk_runs bash bench/mcp.sh $build"

-- tests/wrk/signed-inbound.lua — wrk script: every request a distinct inbound
-- SMS (MessageSid unique per thread and request), signed with X-Twilio-Signature
-- computed here through LuaJIT's FFI and libcrypto's HMAC, independently of
-- smskit's code. Settings from the environment:
--   WH_TOKEN  the auth token (signing key)        WH_PREFIX  MessageSid prefix
--   WH_ACKED  directory: each thread writes the MessageSids answered 2xx
--   WH_DELAY_MS  pause before each request (pacing a fixed rate), default 0
--   WH_RATE   requests per second in all, started on a fixed schedule however
--             long the answers take (with WH_THREADS, wrk's -t; and enough
--             connections, -c, to hold the requests in flight), like wrk2
--   WH_BODIES bodies separated by '|', taken in turn (default "load test
--             message N"); letters, digits and spaces only
--   WH_NUMBERS the senders: +15550000000 and the next WH_NUMBERS - 1 in turn
--             (default a new number for each request)
local ffi = require("ffi")
ffi.cdef [[
const void *EVP_sha1(void);
unsigned char *HMAC(const void *md, const void *key, int key_len, const unsigned char *d,
                    size_t n, unsigned char *out, unsigned int *out_len);
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
struct wh_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct wh_timespec *ts);
]]
local ok, crypto = pcall(ffi.load, "crypto")
if not ok then crypto = ffi.load("libcrypto.so.3") end

local token = os.getenv("WH_TOKEN") or "webhook-test-token"
local prefix = os.getenv("WH_PREFIX") or "SMwrk"
local acked_dir = os.getenv("WH_ACKED")
local delay_ms = tonumber(os.getenv("WH_DELAY_MS") or "0")
local rate = tonumber(os.getenv("WH_RATE") or "0")
local nthreads = tonumber(os.getenv("WH_THREADS") or "2")
local nnumbers = tonumber(os.getenv("WH_NUMBERS") or "0")
local bodies = {}
for b in string.gmatch(os.getenv("WH_BODIES") or "", "[^|]+") do table.insert(bodies, b) end

local function now_ms()
	local ts = ffi.new("struct wh_timespec")
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local function sign(s)
	local md = ffi.new("unsigned char[20]")
	local len = ffi.new("unsigned int[1]")
	crypto.HMAC(crypto.EVP_sha1(), token, #token, s, #s, md, len)
	local b64 = ffi.new("unsigned char[32]")
	local n = crypto.EVP_EncodeBlock(b64, md, 20)
	return ffi.string(b64, n)
end

local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("tid", counter)
	table.insert(threads, thread)
end

local seq, out, host_url = 0, nil, nil

function init(args)
	if acked_dir then out = io.open(acked_dir .. "/acked." .. tid, "w") end
	if out then out:setvbuf("line") end
end

-- wrk asks before each next request on a connection; with WH_RATE every
-- request takes the next free start time of this thread's schedule, so
-- that the rate holds while answers slow down (when every connection is
-- busy the schedule falls behind, and the figures show it).
local next_at
function delay()
	if rate <= 0 then return delay_ms end
	local period = 1000 * nthreads / rate
	local now = now_ms()
	if not next_at then next_at = now + period * (tid - 1) / nthreads end
	next_at = math.max(next_at + period, now - period)
	return math.max(0, math.floor(next_at - now + 0.5))
end

function request()
	seq = seq + 1
	local sid = string.format("%s%02d%09d", prefix, tid, seq)
	local from = string.format("+1555%07d", seq % 10000000)
	if nnumbers > 0 then from = string.format("+1555%07d", (seq * nthreads + tid) % nnumbers) end
	local body = "load test message " .. seq
	if #bodies > 0 then body = bodies[(seq + tid) % #bodies + 1] end
	-- The URL wrk was given; the Host header is what the daemon rebuilds it from.
	if not host_url then
		host_url = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port .. wrk.path
	end
	-- Sorted by name: Body, From, MessageSid, NumMedia, To.
	local signed = host_url .. "Body" .. body .. "From" .. from .. "MessageSid" .. sid ..
		"NumMedia0To+15550006666"
	local form = "Body=" .. body:gsub(" ", "+") .. "&From=" .. from:gsub("%+", "%%2B") ..
		"&MessageSid=" .. sid .. "&NumMedia=0&To=%2B15550006666"
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["X-Twilio-Signature"] = sign(signed),
		["Host"] = wrk.host .. ":" .. wrk.port,
	}, form)
end

-- Counted per status (globals, so that done() can read them from each
-- thread); each 2xx is recorded by the stored message's id (X-Message-Id),
-- which the test looks up in the store.
n2xx, n4xx, n5xx = 0, 0, 0
function response(status, headers, body)
	if status >= 200 and status < 300 then
		n2xx = n2xx + 1
		if out then out:write((headers["X-Message-Id"] or "?"), "\n") end
	elseif status >= 500 then
		n5xx = n5xx + 1
	else
		n4xx = n4xx + 1
	end
end

function done(summary, latency, requests)
	local a, b, c = 0, 0, 0
	for _, t in ipairs(threads) do
		a = a + (t:get("n2xx") or 0)
		b = b + (t:get("n4xx") or 0)
		c = c + (t:get("n5xx") or 0)
	end
	io.write(string.format("responses: 2xx %d  4xx %d  5xx %d  socket errors: connect %d read %d write %d timeout %d\n",
		a, b, c, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
	io.write(string.format("latency: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000))
end

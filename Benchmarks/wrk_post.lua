-- The dispatch benchmark's baseline: wrk POSTing careline-shaped webhooks to the sink (Benchmarks/sink/sink.c).
--
--   wrk -t2 -c8 -d10s -s Benchmarks/wrk_post.lua http://127.0.0.1:PORT/careline
--
-- Each request looks like what `careline dispatch` sends through a `kind = "webhook"` sender: a POST with a
-- JSON body of the same shape and size (one of the benchmark's own recheck reminders in Chinese, 370 bytes, the
-- mean of the generated mix), `content-type`, `webhook-timestamp`, `webhook-signature` and a `webhook-id` that
-- is new for every request (`msg_t<thread>_<counter>`, so the sink's distinct-id count equals its request
-- count, as it does for careline). Nothing is signed or stored: this is what the HTTP path alone costs.

local body = '{"id":"msg_036fgwe135px5fyqa96tw4hvaw","campaign":"dispatch-bench","step":"at",'
    .. '"patient_id":"P0000476","to":"+8613412348691",'
    .. '"body":"【明德眼科】朱叔叔您好！您11月24日做了青光眼手术，请于28天后（12月29日，周二）来院复查，'
    .. '李明医生为您接诊。如需改期请致电400-820-1234。",'
    .. '"send_at":"2026-12-01T12:00:00Z","attempt":1}'

wrk.method = "POST"
wrk.body = body
wrk.headers["content-type"] = "application/json"
wrk.headers["webhook-timestamp"] = "1796126400"
wrk.headers["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="

local threads = 0

-- Runs in the main Lua state, once per thread: gives each thread its own id prefix.
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "msg_t" .. threads .. "_")
end

local counter = 0

-- Runs in each thread's own Lua state, once per request.
function request()
  counter = counter + 1
  wrk.headers["webhook-id"] = prefix .. counter
  return wrk.format()
end

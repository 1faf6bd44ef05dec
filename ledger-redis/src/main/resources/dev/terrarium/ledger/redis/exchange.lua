-- Terrarium's fuel exchange (FuelLedger.exchange) on one tenant's token bucket, atomic because Redis runs a
-- script to completion before any other command. Uses only commands Valkey also has: TIME, HMGET, HSET,
-- PEXPIRE, PERSIST, INCRBY.
--
-- KEYS[1]  the bucket: a hash {b = balance, o = refill origin, l = refilled up to} (times in microseconds of
--          the server's TIME, the one clock every host shares)
-- KEYS[2]  the tenant's spent counter: fuel debited minus fuel credited, over the tenant's whole life
-- ARGV[1]  capacity (at most 2^52)
-- ARGV[2..5]  N, and ARGV[6..9] D, in base-2^24 limbs, least significant first: refill over e microseconds is
--          floor(e * N / D) units, the policy's refill rate as an exact fraction
-- ARGV[10] credit: positive returns fuel (never above capacity), negative charges it unconditionally
-- ARGV[11] wanted: the fuel asked for, at least 0
-- Returns {granted, balance after the exchange, spent after the exchange, the server's time in microseconds}.
--
-- Redis's Lua numbers are doubles: exact for integers below 2^53. Balances, capacities and times stay below
-- that; the products in the refill do not, so they are computed exactly in limbs.

local B = 16777216

local function limbs(n)
  local r = {}
  for i = 1, 4 do
    local d = n % B
    r[i] = d
    n = (n - d) / B
  end
  return r
end

local function mul(a, b)
  local r = {0, 0, 0, 0, 0, 0, 0, 0}
  for i = 1, 4 do
    if a[i] ~= 0 then
      for j = 1, 4 do
        r[i + j - 1] = r[i + j - 1] + a[i] * b[j]
      end
    end
  end
  local c = 0
  for k = 1, 8 do
    local v = r[k] + c
    local d = v % B
    r[k] = d
    c = (v - d) / B
  end
  return r
end

local function cmp(a, b)
  for k = 8, 1, -1 do
    local x, y = a[k] or 0, b[k] or 0
    if x ~= y then
      return x < y and -1 or 1
    end
  end
  return 0
end

local function approx(a)
  local v = 0
  for k = #a, 1, -1 do
    v = v * B + a[k]
  end
  return v
end

local cap = tonumber(ARGV[1])
local N = {tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])}
local D = {tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])}
local credit = tonumber(ARGV[10])
local wanted = tonumber(ARGV[11])
local napprox, dapprox = approx(N), approx(D)

-- min(floor(e * N / D), limit) for 0 <= e < 2^53 and limit < 2^53: a double estimate, corrected exactly
local function refill(e, limit)
  if e <= 0 or napprox == 0 then
    return 0
  end
  local p = mul(limbs(e), N)
  local q = math.floor(approx(p) / dapprox)
  if q >= limit + 1024 then
    return limit
  end
  if q < 0 then
    q = 0
  end
  while q > 0 and cmp(mul(limbs(q), D), p) > 0 do
    q = q - 1
  end
  while cmp(mul(limbs(q + 1), D), p) <= 0 do
    q = q + 1
  end
  if q > limit then
    return limit
  end
  return q
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local h = redis.call('HMGET', KEYS[1], 'b', 'o', 'l')
local bal, origin, last
if h[1] then
  bal, origin, last = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
else
  bal, origin, last = cap, now, now
end

-- refill, counted from the origin so that fractions of a unit carry over between exchanges
if now <= last then
  -- the clock has not moved, or stepped back: credit nothing; a lowered capacity still applies
  if bal > cap then
    bal = cap
  end
elseif bal >= cap then
  bal, origin, last = cap, now, now
else
  -- refill over e + D microseconds is refill over e plus exactly N: moving the origin by whole multiples of D
  -- loses nothing and keeps the products small
  if dapprox < 4503599627370496 and last - origin >= dapprox then
    local k = math.floor((last - origin) / dapprox)
    while k * dapprox > last - origin do
      k = k - 1
    end
    origin = origin + k * dapprox
  end
  local before = refill(last - origin, 4503599627370496)
  local after = refill(now - origin, before + (cap - bal))
  bal = bal + (after - before)
  if bal >= cap then
    bal, origin, last = cap, now, now
  else
    last = now
  end
end

if credit > 0 then
  bal = math.min(cap, bal + credit)
elseif credit < 0 then
  bal = bal + credit
end
local granted = math.min(wanted, math.max(bal, 0))
bal = bal - granted

redis.call('HSET', KEYS[1], 'b', string.format('%.0f', bal), 'o', string.format('%.0f', origin),
  'l', string.format('%.0f', last))
-- An idle bucket expires once it would be full again (a missing bucket is created full); one that never
-- refills must never expire.
if napprox == 0 then
  redis.call('PERSIST', KEYS[1])
else
  local ms = math.ceil((cap - bal) * dapprox / napprox / 1000 * 1.001) + 1000
  if ms < 281474976710656 then
    redis.call('PEXPIRE', KEYS[1], string.format('%.0f', ms))
  else
    redis.call('PERSIST', KEYS[1])
  end
end
local spent = redis.call('INCRBY', KEYS[2], string.format('%.0f', granted - credit))
return {granted, bal, spent, now}

--- kwhisk.sim.tls: the sim's own certificate authority, made at start-up, and a server
-- certificate it signs for the listening address, so clients verify TLS for real.
local bignum = require "openssl.bignum"
local http_tls = require "http.tls"
local pkey = require "openssl.pkey"
local x509 = require "openssl.x509"
local altname = require "openssl.x509.altname"
local xname = require "openssl.x509.name"

local tls = {}

local function certificate(subject_cn, key, serial)
  local cert = x509.new()
  cert:setVersion(3)
  cert:setSerial(bignum.new(serial))
  local n = xname.new()
  n:add("CN", subject_cn)
  cert:setSubject(n)
  cert:setLifetime(os.time() - 3600, os.time() + 365 * 86400)
  cert:setPublicKey(key)
  return cert, n
end

--- A fresh CA and a server context for host (an IP address or a name). Returns the
-- lua-http server context and the CA certificate in PEM.
function tls.new(host)
  local ca_key = pkey.new({ type = "EC", curve = "prime256v1" })
  local ca, ca_name = certificate("kwhisk-sim-ca", ca_key, 1)
  ca:setIssuer(ca_name)
  ca:setBasicConstraints({ CA = true })
  ca:setBasicConstraintsCritical(true)
  assert(ca:sign(ca_key))
  local key = pkey.new({ type = "EC", curve = "prime256v1" })
  local cert = certificate(host, key, 2)
  cert:setIssuer(ca_name)
  local alt = altname.new()
  if host:match("^[%d.]+$") or host:find(":", 1, true) then
    alt:add("IPAddress", host)
  else
    alt:add("DNS", host)
  end
  cert:setSubjectAlt(alt)
  assert(cert:sign(ca_key))
  local ctx = http_tls.new_server_context()
  assert(ctx:setPrivateKey(key))
  assert(ctx:setCertificate(cert))
  return ctx, ca:toPEM()
end

return tls

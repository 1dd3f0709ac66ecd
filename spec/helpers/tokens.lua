--- The credentials the specs use, in one place: `make test-secrets` greps every test log
-- (busted's output, the sims' and clients' logs kept under KWHISK_TEST_LOG_DIR) for each
-- of them, since a credential must never appear in any output. Each is long and unusual
-- enough that a hit cannot be a coincidence; rotated tokens extend `*_rotated`.
local fs = require "kwhisk.fs"

local tokens = {
  list = {
    soak = "kwt-soak-9f3a61c2e8d4b705",
    soak_rotated = "kwt-soak-rotated-52be07c9a1f6",
    security = "kwt-security-3d8e4c1b9a27f6e0",
    security_rotated = "kwt-security-rotated-7c1e9b04",
    sim_hardening = "kwt-simh-0b6e2f9d41c7a835",
    -- the tokens other specs define for themselves (prefixes of the variants they build)
    api_spec = "tok-api-5e1d0c-secret",
    http_spec = "tok-7f3a9c-never-print-me",
    http_tls_spec = "tok-tls-93b1-secret",
    kubeconfig_spec = "tok-kc-41a7-secret",
  },
}

--- Keeps a log (text) as KWHISK_TEST_LOG_DIR/<name> for the grep, when that is set.
function tokens.keep_log(name, text)
  local dir = os.getenv("KWHISK_TEST_LOG_DIR")
  if dir and dir ~= "" then
    os.execute("mkdir -p " .. require("kwhisk.shell").quote(dir))
    assert(fs.write_file(dir .. "/" .. name, text))
  end
end

--- The tokens found in text (a list, empty when it is clean).
function tokens.found_in(text)
  local found = {}
  for _, t in pairs(tokens.list) do
    if text:find(t, 1, true) then
      found[#found + 1] = t
    end
  end
  return found
end

return tokens

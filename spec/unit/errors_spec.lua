-- kwhisk.errors: error values, kinds, scrubbing of credentials.
local errors = require "kwhisk.errors"

describe("kwhisk.errors", function()
  it("makes values whose tostring is the message, with extra fields", function()
    local status = { kind = "Status", reason = "NotFound" }
    local e = errors.new("not_found", "pods \"x\" not found", { code = 404, status = status })
    assert.equal("not_found", e.kind)
    assert.equal("pods \"x\" not found", tostring(e))
    assert.equal(404, e.code)
    assert.equal(status, e.status)
    assert.is_true(errors.is(e))
    assert.is_true(errors.is(e, "not_found"))
    assert.is_false(errors.is(e, "conflict"))
    assert.is_false(errors.is({ kind = "not_found" }))
  end)

  it("never lets a bearer token or Authorization value into a message", function()
    local e = errors.new("transport", "sent Authorization: Bearer abc.def-ghi to x")
    assert.equal("sent Authorization: ***", e.message) -- the rest of the line goes
    assert.equal("token Bearer *** refused", errors.new("unauthorized",
      "token Bearer s3cr3t/+= refused").message)
    assert.equal("the bearer token contains a line break",
      errors.new("bad_request", "the bearer token contains a line break").message)
  end)

  it("takes the kind from the Status reason, else from the code", function()
    assert.equal("conflict", errors.kind_for(409, "AlreadyExists"))
    assert.equal("gone", errors.kind_for(410, "Expired"))
    assert.equal("timeout", errors.kind_for(504, "Timeout"))
    assert.equal("invalid", errors.kind_for(422))
    assert.equal("too_many_requests", errors.kind_for(429))
    assert.equal("forbidden", errors.kind_for(403))
    assert.equal("unauthorized", errors.kind_for(401))
    assert.equal("bad_request", errors.kind_for(400))
    assert.equal("server", errors.kind_for(503))
    assert.equal("server", errors.kind_for(500, "InternalError"))
    assert.equal("http", errors.kind_for(418))
    assert.equal("not_found", errors.kind_for(404, "SomethingNew"))
  end)

  it("refuses unknown kinds and bad arguments, naming them", function()
    assert.has_error(function() errors.new("oops", "x") end,
      "bad argument #1 to 'errors.new' (unknown error kind oops)")
    assert.has_error(function() errors.new("server", 42) end,
      "bad argument #2 to 'errors.new' (string expected, got number)")
    assert.has_error(function() errors.new("server", "x", "y") end,
      "bad argument #3 to 'errors.new' (table expected, got string)")
  end)
end)

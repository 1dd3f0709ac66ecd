-- kwhisk.core_ffi: the one FFI view of the C core, checked field by field against the C layout.
describe("kwhisk.core_ffi", function()
  local ffi = require "ffi"
  local cffi = require "kwhisk.core_ffi"

  it("declares every struct of the C core under its C name, each field where C put it", function()
    local names = {}
    for name, l in pairs(cffi.layout) do
      names[#names + 1] = name
      assert.equal(l.size, ffi.sizeof(name), name)
      for field, offset in pairs(l.fields) do
        assert.equal(offset, ffi.offsetof(name, field), name .. "." .. field)
      end
    end
    table.sort(names)
    assert.same({ "kwlog_options", "kwlog_record", "kwlog_stats", "kwtime", "kwtime_error" }, names)
    assert.is_nil(cffi.mismatch(cffi.layout, cffi.mirrors))
  end)

  it("tells which declaration drifted from the C layout", function()
    local function layout_with(name, field, offset)
      local copy = {}
      for n, l in pairs(cffi.layout) do
        local fields = {}
        for f, o in pairs(l.fields) do fields[f] = o end
        copy[n] = { size = l.size, fields = fields }
      end
      copy[name].fields[field] = offset
      return copy
    end
    assert.matches("^kwlog_record%.len: at 24 in Lua, 16 in C$",
      cffi.mismatch(layout_with("kwlog_record", "len", 16), {}))
    assert.matches("^kwtime%.nanos: at nil in Lua, 8 in C$",
      cffi.mismatch(layout_with("kwtime", "nanos", 8), {}))
    local wrong = layout_with("kwtime", "nsec", 12)
    wrong.kwtime.fields.nsec = cffi.layout.kwtime.fields.nsec
    local shifted = { kwhisk_time = { of = "kwtime", fields = { s = "sec", ns = "sec" } } }
    assert.matches("^kwhisk_time%.ns: not at kwtime%.sec's offset$", cffi.mismatch(wrong, shifted))
  end)

  it("gives kwhisk.time values kwtime's layout, passed to C through as_kwtime", function()
    local t = require("kwhisk.time").new(1517875218, 419889342)
    local p = cffi.as_kwtime(t)
    assert.equal(1517875218, tonumber(p.sec))
    assert.equal(419889342, p.nsec)
  end)
end)

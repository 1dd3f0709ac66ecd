--- kwhisk.sim.selector: Kubernetes label and field selectors, parsed once and matched many
-- times. The label grammar is the API server's (`k=v`, `k==v`, `k!=v`, `k in (a,b)`,
-- `k notin (a)`, `k`, `!k`, `k>1`, `k<1`); field selectors are `f=v`, `f==v`, `f!=v` over the
-- fields a resource kind supports.
local validate = require "kwhisk.sim.validate"

local selector = {}

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Splits on commas that are not inside a parenthesised value set.
local function split_requirements(text)
  local parts, depth, start = {}, 0, 1
  for i = 1, #text do
    local c = text:sub(i, i)
    if c == "(" then
      depth = depth + 1
    elseif c == ")" then
      depth = depth - 1
    elseif c == "," and depth == 0 then
      parts[#parts + 1] = text:sub(start, i - 1)
      start = i + 1
    end
  end
  parts[#parts + 1] = text:sub(start)
  return parts
end

local function check_key(key)
  local problem = validate.qualified_name(key)
  if problem then
    return "invalid label key \"" .. key .. "\": " .. problem
  end
end

local function check_value(value)
  local problem = validate.label_value(value)
  if problem then
    return "invalid label value: \"" .. value .. "\": " .. problem
  end
end

local function parse_set(key, op, list)
  local set = {}
  if trim(list) == "" then
    return nil, "for 'in', 'notin' operators, values set can't be empty"
  end
  for _, v in ipairs(split_requirements(list)) do
    v = trim(v)
    local problem = check_value(v)
    if problem then
      return nil, problem
    end
    set[v] = true
  end
  return { key = key, op = op, set = set }
end

local function parse_requirement(text)
  local key = text:match("^!%s*([^%s=!<>()]+)$")
  if key then
    return { key = key, op = "!exists" }, check_key(key)
  end
  local k, op, v = text:match("^([^%s=!<>()]+)%s*([=!]=?)%s*(.-)$")
  if k and op ~= "!" then
    op = op == "!=" and "!=" or "="
    local problem = check_key(k) or check_value(v)
    return { key = k, op = op, value = v }, problem
  end
  k, op, v = text:match("^([^%s=!<>()]+)%s*([<>])%s*(.-)$")
  if k then
    local n = tonumber(v)
    if not n or not v:match("^%-?%d+$") then
      return nil, "for 'Gt', 'Lt' operators, exactly one value is required, an integer: " .. v
    end
    return { key = k, op = op, number = n }, check_key(k)
  end
  local setop, list
  k, setop, list = text:match("^([^%s=!<>()]+)%s+(%a+)%s*%((.*)%)$")
  if k and (setop == "in" or setop == "notin") then
    local problem = check_key(k)
    if problem then
      return nil, problem
    end
    return parse_set(k, setop, list)
  end
  if text:match("^[^%s=!<>(),]+$") then
    return { key = text, op = "exists" }, check_key(text)
  end
  return nil, "unable to parse requirement: found '" .. text .. "', expected: a requirement"
end

--- Parses a label selector; returns a selector or nil and a message as the API server words it.
function selector.labels(text)
  local requirements = {}
  text = trim(text or "")
  if text == "" then
    return requirements
  end
  for _, part in ipairs(split_requirements(text)) do
    local r, problem = parse_requirement(trim(part))
    if problem or not r then
      return nil, "unable to parse requirement: " .. (problem or "empty requirement")
    end
    requirements[#requirements + 1] = r
  end
  return requirements
end

local function requirement_matches(r, labels)
  local v = labels[r.key]
  local op = r.op
  if op == "exists" then return v ~= nil end
  if op == "!exists" then return v == nil end
  if op == "=" then return v == r.value end
  if op == "!=" then return v ~= r.value end
  if op == "in" then return v ~= nil and r.set[v] == true end
  if op == "notin" then return v == nil or r.set[v] == nil end
  local n = v and v:match("^%-?%d+$") and tonumber(v)
  if not n then return false end
  if op == ">" then return n > r.number end
  return n < r.number
end

--- True when labels (a table, possibly nil) satisfy every requirement of sel.
function selector.match_labels(sel, labels)
  labels = labels or {}
  for i = 1, #sel do
    if not requirement_matches(sel[i], labels) then
      return false
    end
  end
  return true
end

--- Parses a field selector against `fields`, a map of supported field name -> getter(object).
-- Returns a selector or nil and the API server's message.
function selector.fields(text, fields)
  local requirements = {}
  text = trim(text or "")
  if text == "" then
    return requirements
  end
  for _, part in ipairs(split_requirements(text)) do
    part = trim(part)
    local f, op, v = part:match("^([^=!]+)([=!]=?)(.*)$")
    if not f or op == "!" then
      return nil, "invalid selector: '" .. text .. "'; can't understand '" .. part .. "'"
    end
    f = trim(f)
    if not fields[f] then
      return nil, "field label not supported: " .. f
    end
    requirements[#requirements + 1] = { get = fields[f], negate = op == "!=", value = trim(v) }
  end
  return requirements
end

--- True when obj satisfies every requirement of a parsed field selector.
function selector.match_fields(sel, obj)
  for i = 1, #sel do
    local r = sel[i]
    local actual = r.get(obj) or ""
    if (actual == r.value) == r.negate then
      return false
    end
  end
  return true
end

-- The operators of matchExpressions (label selectors and node selector terms alike).
local EXPRESSIONS = {
  In = function(v, values) return v ~= nil and values[v] == true end,
  NotIn = function(v, values) return v == nil or values[v] == nil end,
  Exists = function(v) return v ~= nil end,
  DoesNotExist = function(v) return v == nil end,
  Gt = function(v, _, list) return tonumber(v) ~= nil and tonumber(list[1] or "") ~= nil
    and tonumber(v) > tonumber(list[1]) end,
  Lt = function(v, _, list) return tonumber(v) ~= nil and tonumber(list[1] or "") ~= nil
    and tonumber(v) < tonumber(list[1]) end,
}

--- True when labels satisfy one matchExpressions entry ({key, operator, values}); an unknown
-- operator matches nothing.
function selector.match_expression(expr, labels)
  local op = EXPRESSIONS[expr.operator]
  if not op then
    return false
  end
  local set = {}
  for _, v in ipairs(expr.values or {}) do
    set[v] = true
  end
  return op((labels or {})[expr.key], set, expr.values or {})
end

--- True when labels satisfy a structured LabelSelector ({matchLabels, matchExpressions}), as
-- PodDisruptionBudgets hold them; an empty selector matches everything.
function selector.match_label_selector(sel, labels)
  labels = labels or {}
  for k, v in pairs(type(sel) == "table" and sel.matchLabels or {}) do
    if labels[k] ~= v then
      return false
    end
  end
  for _, expr in ipairs(type(sel) == "table" and sel.matchExpressions or {}) do
    if not selector.match_expression(expr, labels) then
      return false
    end
  end
  return true
end

return selector

#!/usr/bin/python3
"""Validate Kubernetes objects (JSON on stdin, one object or a list) against the
official Kubernetes Python client's models (Debian: python3-kubernetes, which
scripts/ensure-deps installs for `make test`). Unknown fields, wrong types and
missing required fields are reported. Exit 0 when every object is valid; 1 when
one is not; 2 when the Kubernetes client is missing (a failure, never a skip).
Used by spec/helpers/k8s.lua."""
import json, re, sys
try:
    import kubernetes.client as K
except ImportError as e:
    print(f"k8s_schema_check: the Kubernetes Python client is missing ({e}); "
          "install python3-kubernetes (scripts/ensure-deps test)")
    sys.exit(2)

KINDS = {("v1", "Pod"): "V1Pod", ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
         ("policy/v1beta1", "PodDisruptionBudget"): "V1beta1PodDisruptionBudget"}
PRIMS = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object, "datetime": str}

def check(val, typ, path, errs):
    if val is None:
        return
    m = re.match(r"list\[(.*)\]$", typ)
    if m:
        if not isinstance(val, list):
            errs.append(f"{path}: expected list, got {type(val).__name__}"); return
        for i, v in enumerate(val):
            check(v, m.group(1), f"{path}[{i}]", errs)
        return
    m = re.match(r"dict\(str, (.*)\)$", typ)
    if m:
        if not isinstance(val, dict):
            errs.append(f"{path}: expected map, got {type(val).__name__}"); return
        for k, v in val.items():
            check(v, m.group(1), f"{path}.{k}", errs)
        return
    if typ in PRIMS:
        if typ == "bool" and not isinstance(val, bool) or typ == "int" and (isinstance(val, bool) or not isinstance(val, int)) \
           or typ not in ("bool", "int") and not isinstance(val, PRIMS[typ]):
            errs.append(f"{path}: expected {typ}, got {json.dumps(val)[:40]}")
        return
    cls = getattr(K, typ, None)
    if cls is None:
        errs.append(f"{path}: unknown model {typ}"); return
    if not isinstance(val, dict):
        errs.append(f"{path}: expected object {typ}, got {type(val).__name__}"); return
    rev = {v: k for k, v in cls.attribute_map.items()}
    for k, v in val.items():
        if k not in rev:
            errs.append(f"{path}.{k}: unknown field in {typ}")
        else:
            check(v, cls.openapi_types[rev[k]], f"{path}.{k}", errs)

def main():
    data = json.load(sys.stdin)
    objs = data if isinstance(data, list) else [data]
    errs = []
    for i, o in enumerate(objs):
        model = KINDS.get((o.get("apiVersion"), o.get("kind")))
        if not model:
            errs.append(f"[{i}]: unsupported apiVersion/kind {o.get('apiVersion')}/{o.get('kind')}"); continue
        check(o, model, f"[{i}]", errs)
        try:  # required fields (client-side validation in the generated constructors)
            K.ApiClient().deserialize(type("R", (), {"data": json.dumps(o)})(), model)
        except (ValueError, TypeError) as e:
            errs.append(f"[{i}]: {e}")
    for e in errs:
        print(e)
    print(f"{len(objs)} objects, {len(errs)} schema errors")
    return 1 if errs else 0

if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the netlink spec, Documentation/netlink/specs/qpu.yaml:
#
#   spec_shape       it has the shape the kernel's genetlink schema
#                    (Documentation/netlink/genetlink.yaml) requires: the
#                    keys it allows, attribute types, operations with do/dump
#                    request/reply lists naming attributes of their set,
#                    nests naming sets that exist (checked here by hand:
#                    Debian 12 has no python3-jsonschema);
#   schema           the same against the kernel's schema itself, when
#                    python3-jsonschema and a kernel source tree (KSRC=, or
#                    build/debug-kernel's) are there; skipped otherwise;
#   uapi_names       every attribute set, command, enum and constant has the
#                    C name and value uapi/linux/qpu.h gives it, and nothing
#                    in the header's enums is missing from the spec; family
#                    and multicast group names agree;
#   kernel_policies  each operation's request attributes are exactly those
#                    its policy in kmod/qpu_netlink.c accepts, with the types
#                    and the range checks the spec states.
#
# Usage: netlink_spec_test [TEST]   (finds the tree by itself; QPU_TOP)
set -u

top=${QPU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v python3 >/dev/null 2>&1 ||
   ! python3 -c 'import yaml' 2>/dev/null; then
	echo "TAP version 13"
	echo "1..1"
	echo "ok 1 netlink_spec # SKIP python3-yaml is not installed"
	exit 0
fi

exec python3 - "$top" "${1:-}" <<'EOF'
import glob, os, re, sys
import yaml

top, only = sys.argv[1], sys.argv[2]
spec_path = os.path.join(top, "Documentation/netlink/specs/qpu.yaml")
hdr_path = os.path.join(top, "uapi/linux/qpu.h")
nl_path = os.path.join(top, "kmod/qpu_netlink.c")

with open(spec_path) as f:
    spec = yaml.safe_load(f)
with open(hdr_path) as f:
    hdr = f.read()
with open(nl_path) as f:
    kern = f.read()

errors = []

def err(msg):
    errors.append(msg)

def cname(s):
    return s.upper().replace("-", "_")

# ---- the C side ----------------------------------------------------------

def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)

hdr_nc = strip_comments(hdr)

def c_int(text, defines):
    text = text.strip()
    if text in defines:
        return defines[text]
    if text in ("(~0ULL)", "~0ULL"):
        return (1 << 64) - 1
    m = re.fullmatch(r"\(?(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\)?", text)
    if m:
        return int(m.group(1), 0)
    m = re.fullmatch(r"(\w+)\s*([-+])\s*(\d+)", text)
    if m and m.group(1) in defines:
        d = int(m.group(3))
        return defines[m.group(1)] + (d if m.group(2) == "+" else -d)
    raise ValueError("cannot evaluate %r" % text)

defines = {}
for m in re.finditer(r"^#define\s+(\w+)\s+(.+?)\s*$", hdr_nc, re.M):
    name, val = m.group(1), m.group(2)
    if val.startswith('"'):
        defines[name] = val.strip('"')
        continue
    try:
        defines[name] = c_int(val, defines)
    except ValueError:
        pass

enums = {}
for m in re.finditer(r"enum\s+(\w+)\s*\{(.*?)\};", hdr_nc, re.S):
    entries, val = [], -1
    for item in m.group(2).split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            n, v = [x.strip() for x in item.split("=", 1)]
            val = c_int(v, dict(defines, **dict(entries)))
        else:
            n, val = item, val + 1
        entries.append((n, val))
    enums[m.group(1)] = entries
for entries in enums.values():
    for n, v in entries:
        defines.setdefault(n, v)

def real_entries(enum):
    """Entries but UNSPEC and the __MAX / MAX bookkeeping."""
    names = {n for n, _ in enums[enum]}
    return [(n, v) for n, v in enums[enum]
            if not n.startswith("__") and "__" + n not in names
            and not n.endswith("_UNSPEC")]

# ---- tests ---------------------------------------------------------------

ATTR_TYPES = {"unused", "pad", "flag", "binary", "uint", "sint", "u8", "u16",
              "u32", "u64", "s32", "s64", "string", "nest", "array-nest",
              "nest-type-value"}
TOP_KEYS = {"name", "doc", "protocol", "uapi-header", "definitions",
            "attribute-sets", "operations", "mcast-groups"}
DEF_KEYS = {"name", "header", "type", "doc", "value", "value-start",
            "entries", "render-max"}
SET_KEYS = {"name", "name-prefix", "enum-name", "doc", "subset-of",
            "attributes"}
ATTR_KEYS = {"name", "type", "doc", "value", "type-value", "byte-order",
             "multi-attr", "nested-attributes", "enum", "enum-as-flags",
             "checks", "sub-type", "display-hint"}
CHECK_KEYS = {"flags-mask", "min", "max", "min-len", "max-len", "exact-len"}
OPS_KEYS = {"enum-model", "name-prefix", "enum-name", "async-prefix",
            "async-enum", "list"}
OP_KEYS = {"name", "doc", "value", "attribute-set", "flags", "dont-validate",
           "config-cond", "do", "dump", "notify", "event", "mcgrp"}
SUBOP_KEYS = {"request", "reply", "pre", "post"}

def keys_ok(where, obj, allowed, required=()):
    if not isinstance(obj, dict):
        err("%s: not a mapping" % where)
        return False
    for k in obj:
        if k not in allowed:
            err("%s: key %r not allowed" % (where, k))
    for k in required:
        if k not in obj:
            err("%s: %r missing" % (where, k))
    return True

def t_spec_shape():
    keys_ok("top", spec, TOP_KEYS, ("name", "doc", "attribute-sets",
                                     "operations"))
    if spec.get("protocol", "genetlink") != "genetlink":
        err("protocol must be genetlink")
    defs = {}
    for d in spec.get("definitions", []):
        keys_ok("definition", d, DEF_KEYS, ("type", "name"))
        if d.get("type") not in ("const", "enum", "flags"):
            err("definition %s: bad type" % d.get("name"))
        for e in d.get("entries", []):
            if isinstance(e, dict):
                keys_ok("entry of %s" % d["name"], e,
                        {"name", "value", "doc"}, ("name",))
        defs[d["name"]] = d
    sets = {}
    for s in spec["attribute-sets"]:
        keys_ok("attribute-set", s, SET_KEYS, ("name", "attributes"))
        sets[s["name"]] = s
    for s in spec["attribute-sets"]:
        seen = set()
        for a in s["attributes"]:
            where = "%s.%s" % (s["name"], a.get("name"))
            keys_ok(where, a, ATTR_KEYS, ("name", "type"))
            if a["name"] in seen:
                err("%s: duplicate" % where)
            seen.add(a["name"])
            if a.get("type") not in ATTR_TYPES:
                err("%s: type %r" % (where, a.get("type")))
            if a.get("type") == "nest" and \
               a.get("nested-attributes") not in sets:
                err("%s: nest of unknown set" % where)
            if "enum" in a and a["enum"] not in defs:
                err("%s: unknown enum" % where)
            if "checks" in a:
                keys_ok(where + " checks", a["checks"], CHECK_KEYS)
    ops = spec["operations"]
    keys_ok("operations", ops, OPS_KEYS, ("list",))
    for op in ops["list"]:
        where = "op " + str(op.get("name"))
        keys_ok(where, op, OP_KEYS, ("name", "doc"))
        aset = sets.get(op.get("attribute-set"))
        if aset is None:
            err("%s: unknown attribute-set" % where)
            continue
        names = {a["name"] for a in aset["attributes"]}
        if "do" not in op and "dump" not in op and "event" not in op:
            err("%s: neither do, dump nor event" % where)
        if "event" in op:
            groups = {g["name"] for g in
                      spec.get("mcast-groups", {}).get("list", [])}
            if op.get("mcgrp") not in groups:
                err("%s: event without a known mcgrp" % where)
            keys_ok("%s event" % where, op["event"], {"attributes"})
            for n in op["event"].get("attributes", []):
                if n not in names:
                    err("%s event: unknown attribute %s" % (where, n))
        for kind in ("do", "dump"):
            sub = op.get(kind)
            if sub is None:
                continue
            keys_ok("%s %s" % (where, kind), sub, SUBOP_KEYS)
            for part in ("request", "reply"):
                if part not in sub:
                    continue
                keys_ok("%s %s %s" % (where, kind, part), sub[part],
                        {"attributes"})
                for n in sub[part].get("attributes", []):
                    if n not in names:
                        err("%s %s %s: unknown attribute %s" %
                            (where, kind, part, n))
    mc = spec.get("mcast-groups", {})
    keys_ok("mcast-groups", mc, {"list"}, ("list",))
    for g in mc.get("list", []):
        keys_ok("mcast group", g, {"name", "flags"}, ("name",))

def t_schema():
    try:
        import jsonschema
    except ImportError:
        return "SKIP python3-jsonschema is not installed"
    cands = []
    if os.environ.get("KSRC"):
        cands.append(os.environ["KSRC"])
    cands += glob.glob(os.path.join(top, "build/debug-kernel/*/"))
    cands += glob.glob("/usr/src/linux-source-6.12*/")
    for c in cands:
        path = os.path.join(c, "Documentation/netlink/genetlink.yaml")
        if os.path.exists(path):
            with open(path) as f:
                schema = yaml.safe_load(f)
            try:
                jsonschema.validate(spec, schema)
            except jsonschema.ValidationError as e:
                err("schema %s: %s" % (path, e.message))
            return None
    return "SKIP no kernel source with Documentation/netlink/genetlink.yaml"

def t_uapi_names():
    if defines.get("QPU_GENL_NAME") != spec["name"]:
        err("family name %r, header %r" % (spec["name"],
                                           defines.get("QPU_GENL_NAME")))
    groups = sorted(g["name"] for g in spec["mcast-groups"]["list"])
    hgroups = sorted(v for k, v in defines.items()
                     if k.startswith("QPU_MCGRP_"))
    if groups != hgroups:
        err("multicast groups %s, header %s" % (groups, hgroups))
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            c = "QPU_" + cname(d["name"])
            if defines.get(c) != d["value"]:
                err("const %s = %r, header %r" % (c, d["value"],
                                                  defines.get(c)))
        elif d["type"] == "enum":
            e = "qpu_" + d["name"].replace("-", "_")
            if e not in enums:
                err("enum %s not in the header" % e)
                continue
            val = d.get("value-start", 0) - 1
            want = []
            for ent in d["entries"]:
                n = ent["name"] if isinstance(ent, dict) else ent
                val = ent.get("value", val + 1) if isinstance(ent, dict) \
                    else val + 1
                want.append(("QPU_" + cname(d["name"]) + "_" + cname(n), val))
            if sorted(want) != sorted(real_entries(e)):
                err("enum %s: spec %s, header %s" % (e, want,
                                                     real_entries(e)))

    def check_list(what, enum, prefix, items):
        if enum not in enums:
            err("%s: enum %s not in the header" % (what, enum))
            return
        want, val = [], 0
        for it in items:
            val = it.get("value", val + 1)
            want.append((cname(prefix + it["name"]), val))
        have = real_entries(enum)
        if want != have:
            err("%s: spec %s, header %s" % (what, want, have))

    for s in spec["attribute-sets"]:
        check_list("set " + s["name"], s["enum-name"], s["name-prefix"],
                   s["attributes"])
    ops = spec["operations"]
    check_list("operations", ops["enum-name"], ops["name-prefix"],
               ops["list"])
    if defines.get("QPU_GENL_VERSION") != 1:
        err("QPU_GENL_VERSION is not 1")

NLA_OF = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32",
          "u64": "NLA_U64", "string": "NLA_NUL_STRING", "nest": "NESTED"}

def t_kernel_policies():
    knc = strip_comments(kern)
    policies = {}
    for m in re.finditer(r"static const struct nla_policy (\w+)\[[^\]]*\]\s*="
                         r"\s*\{(.*?)\n\};", knc, re.S):
        body = m.group(2)
        ents = {}
        parts = re.split(r"\[(QPU_A_\w+)\]\s*=", body)
        for i in range(1, len(parts), 2):
            ents[parts[i]] = parts[i + 1].strip().rstrip(",")
        policies[m.group(1)] = ents
    ranges = {}
    for m in re.finditer(r"struct netlink_range_validation (\w+)\s*=\s*\{"
                         r"(.*?)\};", knc, re.S):
        mn = re.search(r"\.min\s*=\s*([^,\n]+)", m.group(2))
        mx = re.search(r"\.max\s*=\s*([^,\n]+)", m.group(2))
        ranges[m.group(1)] = (c_int(mn.group(1), defines),
                              c_int(mx.group(1), defines))
    kops = {}
    for m in re.finditer(r"\{\s*\.cmd\s*=\s*(QPU_CMD_\w+),(.*?)\}", knc, re.S):
        body = m.group(2)
        kind = "dump" if ".dumpit" in body else "do"
        pol = re.search(r"\.policy\s*=\s*(\w+)", body)
        kops[(m.group(1), kind)] = pol.group(1) if pol else None
        if "GENL_ADMIN_PERM" in body:
            err("%s %s uses GENL_ADMIN_PERM (CAP_NET_ADMIN)" %
                (m.group(1), kind))

    sets = {s["name"]: s for s in spec["attribute-sets"]}
    ops = spec["operations"]
    for op in ops["list"]:
        cmd = cname(ops["name-prefix"] + op["name"])
        aset = sets[op["attribute-set"]]
        attrs = {a["name"]: a for a in aset["attributes"]}
        for kind in ("do", "dump"):
            if kind not in op:
                if (cmd, kind) in kops:
                    err("%s: the kernel has a %s the spec lacks" % (cmd, kind))
                continue
            if (cmd, kind) not in kops:
                err("%s: the spec's %s is not in the kernel" % (cmd, kind))
                continue
            pol = policies.get(kops[(cmd, kind)], {})
            taken = {k: v for k, v in pol.items() if "NLA_REJECT" not in v}
            want = op[kind].get("request", {}).get("attributes", [])
            wantc = {cname(aset["name-prefix"] + n): n for n in want}
            if set(wantc) != set(taken):
                err("%s %s: spec takes %s, policy %s" %
                    (cmd, kind, sorted(wantc), sorted(taken)))
            for c, n in wantc.items():
                ptext = taken.get(c, "")
                a = attrs[n]
                tname = NLA_OF.get(a["type"])
                if tname and tname not in ptext:
                    err("%s %s %s: type %s, policy %r" %
                        (cmd, kind, c, a["type"], ptext))
                if a["type"] == "nest" and "budget" in ptext:
                    # the nest's own policy: limit and period only
                    sub = re.search(r"NLA_POLICY_NESTED\((\w+)\)", ptext)
                    sp = policies.get(sub.group(1), {}) if sub else {}
                    if sorted(sp) != ["QPU_A_BUDGET_LIMIT",
                                      "QPU_A_BUDGET_PERIOD"]:
                        err("%s: budget set policy %s" % (c, sorted(sp)))
                    per = sp.get("QPU_A_BUDGET_PERIOD", "")
                    batt = {x["name"]: x for x in
                            sets["budget"]["attributes"]}
                    check_range("budget.period", batt["period"], per, ranges)
                check_range(c, a, ptext, ranges)

def check_range(what, a, ptext, ranges):
    chk = a.get("checks")
    if not chk:
        if "RANGE" in ptext or "NLA_POLICY_M" in ptext:
            err("%s: policy checks a range the spec does not state" % what)
        return
    lo, hi = chk.get("min", 0), chk.get("max")
    m = re.search(r"NLA_POLICY_RANGE\(\w+,\s*([^,]+),\s*([^)]+)\)", ptext)
    if m:
        got = (c_int(m.group(1), defines), c_int(m.group(2), defines))
    else:
        m = re.search(r"NLA_POLICY_MAX\(\w+,\s*([^)]+)\)", ptext)
        if m:
            got = (0, c_int(m.group(1), defines))
        else:
            m = re.search(r"NLA_POLICY_FULL_RANGE\(\w+,\s*&(\w+)\)", ptext)
            got = ranges.get(m.group(1)) if m else None
    if got != (lo, hi):
        err("%s: spec checks %s..%s, policy %s" % (what, lo, hi, got))

tests = [("spec_shape", t_spec_shape), ("schema", t_schema),
         ("uapi_names", t_uapi_names),
         ("kernel_policies", t_kernel_policies)]
if only:
    tests = [t for t in tests if t[0] == only]
    if not tests:
        sys.stderr.write("netlink_spec_test: no test named '%s'\n" % only)
        sys.exit(2)
print("TAP version 13")
print("1..%d" % len(tests))
failed = 0
for i, (name, fn) in enumerate(tests, 1):
    errors.clear()
    try:
        skip = fn()
    except Exception as e:  # a parse failure is a failure, with its reason
        err("%s: %r" % (type(e).__name__, e))
        skip = None
    for e in errors:
        print("# %s: %s" % (name, e))
    if errors:
        print("not ok %d %s" % (i, name))
        failed += 1
    elif skip:
        print("ok %d %s # %s" % (i, name, skip))
    else:
        print("ok %d %s" % (i, name))
sys.exit(1 if failed else 0)
EOF

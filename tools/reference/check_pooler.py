"""Checks that transformers loads a directory written by trainer (an import, an export or a run's
`model/`) as AutoModel without reporting any weight as newly initialized (missing) or unused,
and that its `pooler.dense.*` are the base model's when the base had them, zeros otherwise:

  /tmp/refvenv/bin/python tools/reference/check_pooler.py checkpoints/tiny/model [models/BASE]

Exits non-zero if a check fails."""
import io, logging, os, sys
import numpy as np
from safetensors import safe_open
import transformers

export = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else None
failed = 0

def check(name, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))
    failed += not ok

# transformers reports missing and unexpected weights through its logger (a table in 5.x, a
# "newly initialized" warning before): capture everything it logs while loading
log = io.StringIO()
transformers.utils.logging.set_verbosity_info()
handler = logging.StreamHandler(log)
transformers.utils.logging.get_logger().addHandler(handler)
model = transformers.AutoModel.from_pretrained(export)
transformers.utils.logging.get_logger().removeHandler(handler)
text = log.getvalue()
bad = [l for l in text.splitlines() if any(w in l for w in ("MISSING", "newly initialized", "UNEXPECTED", "not used", "not initialized"))]
check(f"{type(model).__name__} loads with no missing or unused weights", not bad, "; ".join(bad[:4]))

def pooler(path):
    with safe_open(os.path.join(path, "model.safetensors"), "np") as f:
        names = set(f.keys())
        if "pooler.dense.weight" not in names:
            return None
        return f.get_tensor("pooler.dense.weight"), f.get_tensor("pooler.dense.bias")

ours = pooler(export)
check("the export holds pooler.dense.weight and .bias", ours is not None)
if ours is not None:
    theirs = pooler(base) if base else None
    if theirs is None:
        check("no pooler in the base: zeros", not ours[0].any() and not ours[1].any())
    else:
        check("the base's pooler, unchanged", np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1]))
sys.exit(1 if failed else 0)

"""HDF5 files written by h5py (libhdf5 as h5py bundles it), for the reader in Sources/HDF5Files.

Writes Tests/Fixtures/hdf5/h5py.h5 (what the reader must read: groups with many members,
variable- and fixed-length string attributes, an object header with continuation chunks, 1-D
and 2-D chunked datasets with edge chunks and a multi-level chunk B-tree, chunks never written,
a never-written contiguous dataset with a fill value, big-endian integers) and
Tests/Fixtures/hdf5/h5py.json (every value as h5py reads it); and files the reader must refuse:
unsupported.h5 (gzip, uint32, float64, a soft link), loop.h5 (a group linked from itself)
and latest.h5 (libver='latest').

    /tmp/refvenv/bin/python tools/reference/hdf5_files.py
"""
import json
import os

import h5py
import numpy as np

out = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "hdf5")
os.makedirs(out, exist_ok=True)
expected = {"attributes": {}, "datasets": {}, "members": {}}

with h5py.File(os.path.join(out, "h5py.h5"), "w") as f:
    f.attrs["format"] = "trainer-dataset"  # variable-length UTF-8
    f.attrs["note"] = "모델 / model"
    f.attrs.create("fixed", np.bytes_(b"fixed-length"))  # fixed-length ASCII
    texts = ["first text", "", "셋째 문장", "x" * 300]
    f.create_dataset("corpus/texts", data=texts, dtype=h5py.string_dtype())
    ids = np.arange(200, dtype=np.int32) * 3 - 100
    f.create_dataset("corpus/ids", data=ids, chunks=(1,))  # 200 chunks: a chunk B-tree of two levels
    f.create_dataset("corpus/offsets", data=np.array([0, 50, 120, 200], dtype=np.int64))
    grid = (np.arange(15, dtype=np.float32).reshape(5, 3) - 7) / 4
    f.create_dataset("grid", data=grid, chunks=(2, 2))  # edge chunks in both dimensions
    part = f.create_dataset("partial", shape=(7,), dtype=np.int64, chunks=(2,), fillvalue=-9)
    part[0:3] = [5, 6, 7]  # chunks from element 4 on are never written
    f.create_dataset("unwritten", shape=(3,), dtype=np.float32, fillvalue=1.5)
    f.create_dataset("big_endian", data=np.array([1, -2, 70000], dtype=">i4"))
    f.create_dataset("scalar", data=np.float32(2.5))
    d = f["corpus/ids"]
    for k in range(30):  # enough attributes to need continuation chunks
        d.attrs[f"attr{k:02d}"] = f"value {k}"
    g = f.create_group("many")
    for k in range(40):  # several symbol table nodes
        g.create_group(f"member{k:02d}")

with h5py.File(os.path.join(out, "h5py.h5"), "r") as f:
    def visit(name, obj):
        key = name
        if isinstance(obj, h5py.Dataset):
            if obj.dtype.kind == "O":
                expected["datasets"][key] = [s.decode() for s in obj[()].tolist()]
            else:
                expected["datasets"][key] = np.asarray(obj[()]).astype(np.float64).ravel().tolist()
        else:
            expected["members"][key] = sorted(obj.keys())
        for a, v in obj.attrs.items():
            expected["attributes"][f"{key}@{a}"] = v.decode() if isinstance(v, bytes) else str(v)
    expected["members"]["/"] = sorted(f.keys())
    for a, v in f.attrs.items():
        expected["attributes"][a] = v.decode() if isinstance(v, bytes) else str(v)
    f.visititems(visit)

with open(os.path.join(out, "h5py.json"), "w") as j:
    json.dump(expected, j, ensure_ascii=False, indent=1, sort_keys=True)

with h5py.File(os.path.join(out, "unsupported.h5"), "w") as f:
    f.create_dataset("gzip", data=np.arange(10, dtype=np.int32), compression="gzip")
    f.create_dataset("unsigned", data=np.arange(10, dtype=np.uint32))
    f.create_dataset("double", data=np.arange(10, dtype=np.float64))
    f.create_dataset("fixed_strings", data=np.array([b"ab", b"cd"]))
    f["soft"] = h5py.SoftLink("/gzip")

with h5py.File(os.path.join(out, "loop.h5"), "w") as f:
    g = f.create_group("g")
    g["back"] = g  # a hard link to the group itself: recursive listings would never end

with h5py.File(os.path.join(out, "latest.h5"), "w", libver="latest") as f:
    f.create_dataset("x", data=np.arange(3, dtype=np.int32))
print("wrote", out)

"""Files written by trainer load in Python: the imported model.safetensors in `safetensors`, and
`trainer embed` output in h5py (shape, dtype, unit norms, attributes), numpy (`np.load` of its
.npy), JSON Lines and safetensors, each equal to the HDF5 one, also from standard input. Needs
numpy, safetensors and h5py only; exits non-zero if any check fails. `TRAINER=path` runs another
build of trainer (default: .build/release/trainer)."""
import json, os, subprocess, sys, tempfile
import h5py
import numpy as np
from safetensors import safe_open

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
model = os.path.join(root, "models/multilingual-e5-small")
trainer = os.environ.get("TRAINER", os.path.join(root, ".build/release/trainer"))
passed = failed = 0

def check(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))
    passed += ok; failed += not ok

with safe_open(os.path.join(model, "model.safetensors"), "np") as f:
    keys = list(f.keys())
    word = f.get_tensor("embeddings.word_embeddings.weight")
    pos = f.get_tensor("embeddings.position_embeddings.weight")
    encoder = [k for k in keys if not k.startswith("pooler.")]
    check("safetensors: 197 encoder tensors", len(encoder) == 5 + 16 * 12, f"{len(encoder)} tensors")
    check("safetensors: word embeddings float32 [250037, 384]", word.dtype == np.float32 and word.shape == (250037, 384))
    check("safetensors: position rows 0-1 zero", pos.shape == (514, 384) and not pos[:2].any())

with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "in.txt")
    with open(src, "w", encoding="utf-8") as f:
        f.write("한 남자가 음식을 먹고 있다.\nA man is eating food.\n\n")
    out = os.path.join(tmp, "emb.h5")
    subprocess.run([trainer, "embed", model, "--input", src, "--output", out, "--prompt", "query: "], check=True)
    with h5py.File(out, "r") as h:
        e = h["embeddings"][:]
        check("h5py: embeddings float32 [3, 384]", e.dtype == np.float32 and e.shape == (3, 384))
        check("h5py: unit norms", np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5))
        check("h5py: attributes", h.attrs["prefix"] == "query: " and h.attrs["pooling"] == "mean", dict(h.attrs))
        check("h5py: translation pair is close", float(e[0] @ e[1]) > 0.8, f"cos {float(e[0] @ e[1]):.4f}")

    # the other formats of trainer embed: the same floats, shape and order
    for ext in ["npy", "jsonl", "safetensors"]:
        path = os.path.join(tmp, "emb." + ext)
        subprocess.run([trainer, "embed", model, "--input", src, "-o", path, "--prompt", "query: "], check=True)
        if ext == "npy":
            got = np.load(path)
            check("numpy: .npy float32 C order [3, 384] equal to the HDF5 embeddings",
                  got.dtype == np.float32 and got.flags["C_CONTIGUOUS"] and got.shape == (3, 384) and np.array_equal(got, e))
        elif ext == "jsonl":
            rows = [json.loads(l) for l in open(path, encoding="utf-8")]
            got = np.array([r["embedding"] for r in rows], dtype=np.float32)
            check("jsonl: text and embedding per line equal to the HDF5 embeddings",
                  [r["text"] for r in rows] == ["한 남자가 음식을 먹고 있다.", "A man is eating food.", ""] and np.array_equal(got, e))
        else:
            with safe_open(path, "np") as f:
                got = f.get_tensor("embeddings")
                check("safetensors: tensor embeddings equal to the HDF5 embeddings",
                      list(f.keys()) == ["embeddings"] and got.dtype == np.float32 and np.array_equal(got, e)
                      and f.metadata()["prefix"] == "query: ")
    piped = os.path.join(tmp, "stdin.npy")
    with open(src, "rb") as f:
        subprocess.run([trainer, "embed", model, "--input", "-", "-o", piped, "--prompt", "query: "], stdin=f, check=True)
    check("--input -: standard input embeds as the file does", np.array_equal(np.load(piped), e))

    # a data set (trainer data build) with mined negatives (trainer mine), read by h5py
    jsonl = os.path.join(tmp, "t.jsonl")
    with open(jsonl, "w", encoding="utf-8") as f:
        for q, p, n in [("고양이가 잔다.", "고양이가 자고 있다.", "개가 뛴다."), ("개가 뛴다.", "강아지가 달린다.", "비가 온다."),
                        ("비가 온다.", "날씨가 궂다.", "해가 뜬다."), ("해가 뜬다.", "아침이 온다.", "밤이 깊다.")]:
            f.write(json.dumps({"query": q, "positive": p, "negatives": [n]}, ensure_ascii=False) + "\n")
    data = os.path.join(tmp, "d.h5")
    subprocess.run([trainer, "data", "build", "--model", model, "--examples", "jsonl:" + jsonl, "--output", data], check=True)
    subprocess.run([trainer, "mine", data, "--model", model, "--k", "2", "--rank-window", "1-5", "--query-prefix", "query: ",
                    "--passage-prefix", "query: "], check=True, stdout=subprocess.DEVNULL)
    with h5py.File(data, "r") as h:
        texts = [t.decode() for t in h["corpus/texts"][:]]
        ids, offsets = h["corpus/ids"][:], h["corpus/offsets"][:]
        check("h5py: data set corpus", ids.dtype == np.int32 and offsets.dtype == np.int64 and offsets[-1] == len(ids)
              and len(offsets) == len(texts) + 1 and texts[0] == "고양이가 잔다.", f"{len(texts)} texts, {len(ids)} ids")
        q, pos, neg = h["examples/query"][:], h["examples/positive"][:], h["examples/negatives"][:]
        check("h5py: data set examples", [texts[i] for i in pos] == ["고양이가 자고 있다.", "강아지가 달린다.", "날씨가 궂다.", "아침이 온다."]
              and neg.shape == (4, 1))
        mined = h["mined/negatives"][:]
        check("h5py: mined negatives", mined.shape == (4, 2) and all(m not in (q[e], pos[e], neg[e][0]) for e in range(4) for m in mined[e])
              and h["mined"].attrs["rank_window"] == "1-5", str(mined.tolist()))

print(f"interop checks: {passed} ok, {failed} failing")
sys.exit(1 if failed else 0)

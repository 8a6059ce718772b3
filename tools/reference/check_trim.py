"""Checks a model that `trainer trim` wrote against its base (issue 19, "Trimming"):

    trainer trim models/multilingual-e5-small --corpus data/kornlu/KorNLI/xnli.dev.ko.tsv \\
        --corpus data/kornlu/KorNLI/xnli.test.ko.tsv --corpus data/kornlu/KorSTS/sts-train.tsv \\
        --corpus data/kornlu/KorSTS/sts-dev.tsv --corpus data/kornlu/KorSTS/sts-test.tsv -o /tmp/e5-trimmed
    /tmp/refvenv/bin/python tools/reference/check_trim.py BASE TRIMMED [--trainer BIN] [--st-texts N]
        [--lines FILE] [--prompt P]

on every text of the corpora (sentence1 and sentence2 of every row of the KorNLU TSV files, as
trim reads them; or with --lines, the non-empty lines of FILE), alone and after the prompt
(default "query: "):
1. Hugging Face `tokenizers` loads TRIMMED/tokenizer.json; its ids are the ids transformers gives
   with BASE's own tokenizer (AutoTokenizer, from its sentencepiece.bpe.model), each mapped to the
   trimmed id of the same piece; and `trainer tokenize TRIMMED` gives the same ids;
2. `trainer embed` (fp32, as sentence-transformers runs) of every text on TRIMMED and on BASE:
   cosine >= 0.99999 for each;
   and where TRIMMED has a vocab.txt (WordPiece), the slow tokenizer (use_fast=False) too;
3. sentence-transformers loads TRIMMED and embeds the first N texts (default 1000) as
   `trainer embed` does (cosine >= 0.99999).
Prints what it compared and the worst cosines; exits 1 on any failure. BIN defaults to
.build/release/trainer.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np
from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
KORNLU = [
    "data/kornlu/KorNLI/xnli.dev.ko.tsv", "data/kornlu/KorNLI/xnli.test.ko.tsv", "data/kornlu/KorSTS/sts-train.tsv",
    "data/kornlu/KorSTS/sts-dev.tsv", "data/kornlu/KorSTS/sts-test.tsv",
]


def corpus_texts():
    """sentence1 and sentence2 of every row, distinct, in file order (empty texts left out)."""
    seen, texts = set(), []
    for rel in KORNLU:
        with open(os.path.join(ROOT, rel), encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
        header = lines[0].split("\t")
        a, b = header.index("sentence1"), header.index("sentence2")
        for line in lines[1:]:
            if not line:
                continue
            fields = line.split("\t")
            for t in (fields[a], fields[b]):
                if t and t not in seen:
                    seen.add(t)
                    texts.append(t)
    return texts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("trimmed")
    p.add_argument("--trainer", default=os.path.join(ROOT, ".build", "release", "trainer"))
    p.add_argument("--st-texts", type=int, default=1000)
    p.add_argument("--lines", help="a text file whose lines are the corpus (instead of KorNLU)")
    p.add_argument("--prompt", default="query: ")
    args = p.parse_args()
    ok = True
    if args.lines:
        with open(args.lines, encoding="utf-8", newline="") as f:
            texts = list(dict.fromkeys(t for t in f.read().split("\n") if t))
    else:
        texts = corpus_texts()
    # a text with a newline or carriage return cannot go through a line file; none is expected
    texts = [t for t in texts if "\n" not in t and "\r" not in t]
    inputs = texts + [args.prompt + t for t in texts]
    print(f"{len(texts)} distinct texts, {len(inputs)} with the prompted ones")

    # 1. ids: tokenizers on the trimmed file = transformers on the base, mapped by piece
    trimmed_tok = Tokenizer.from_file(os.path.join(args.trimmed, "tokenizer.json"))
    base_tok = AutoTokenizer.from_pretrained(args.base)
    base_ids = base_tok(inputs, add_special_tokens=True, truncation=False)["input_ids"]
    new_ids = [e.ids for e in trimmed_tok.encode_batch(inputs, add_special_tokens=True)]
    vocab = trimmed_tok.get_vocab()
    mapped_ok = 0
    for k, (old, new) in enumerate(zip(base_ids, new_ids)):
        mapped = [vocab.get(base_tok.convert_ids_to_tokens(i), -1) for i in old]
        if mapped == new:
            mapped_ok += 1
        elif mapped_ok + 5 > k:
            print(f"ids differ on {inputs[k]!r}: base {old} mapped {mapped} trimmed {new}")
    print(f"tokenizers(trimmed) = transformers(base) mapped by piece: {mapped_ok} of {len(inputs)}")
    ok &= mapped_ok == len(inputs)
    print(f"vocabulary: {base_tok.vocab_size if hasattr(base_tok, 'vocab_size') else '?'} -> {trimmed_tok.get_vocab_size()}")
    if os.path.exists(os.path.join(args.trimmed, "vocab.txt")):
        # a WordPiece model's vocab.txt: the slow tokenizer (BertTokenizer) gives the same ids
        slow = AutoTokenizer.from_pretrained(args.trimmed, use_fast=False)
        slow_ids = slow(inputs, add_special_tokens=True, truncation=False)["input_ids"]
        same = sum(a == b for a, b in zip(slow_ids, new_ids))
        print(f"{type(slow).__name__}(trimmed vocab.txt) = tokenizers(trimmed): {same} of {len(inputs)}")
        ok &= same == len(inputs)

    with tempfile.TemporaryDirectory() as tmp:
        lines = os.path.join(tmp, "texts.txt")
        with open(lines, "w", encoding="utf-8") as f:
            f.write("\n".join(inputs) + "\n")
        out = subprocess.run([args.trainer, "tokenize", args.trimmed, "--input", lines], check=True, capture_output=True, text=True)
        ours = [[int(x) for x in l.strip("[]").split(", ") if x] for l in out.stdout.splitlines()]
        same = sum(a == b for a, b in zip(ours, new_ids))
        print(f"trainer tokenize(trimmed) = tokenizers(trimmed): {same} of {len(inputs)}")
        ok &= same == len(inputs) and len(ours) == len(inputs)

        # 2. embeddings: trimmed vs base, every text
        plain = os.path.join(tmp, "plain.txt")
        with open(plain, "w", encoding="utf-8") as f:
            f.write("\n".join(texts) + "\n")
        emb = {}
        for name, model in (("base", args.base), ("trimmed", args.trimmed)):
            path = os.path.join(tmp, f"{name}.npy")
            subprocess.run([args.trainer, "embed", model, "--input", plain, "-o", path, "--prompt", args.prompt,
                            "--precision", "fp32"], check=True,
                           capture_output=True)
            emb[name] = np.load(path).astype(np.float64)
        a, b = emb["base"], emb["trimmed"]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        exact = int((a == b).all(1).sum())
        print(f"trainer embed trimmed vs base: min cosine {cos.min():.9f} over {len(cos)} texts, {exact} bit for bit equal")
        ok &= bool(cos.min() >= 0.99999)

        # 3. sentence-transformers on the trimmed directory
        from sentence_transformers import SentenceTransformer
        st = SentenceTransformer(args.trimmed, device="cpu")
        n = min(args.st_texts, len(texts))
        theirs = st.encode([args.prompt + t for t in texts[:n]], batch_size=32, convert_to_numpy=True).astype(np.float64)
        mine = b[:n]
        cos = (mine * theirs).sum(1) / (np.linalg.norm(mine, axis=1) * np.linalg.norm(theirs, axis=1))
        print(f"sentence-transformers(trimmed) vs trainer embed(trimmed): min cosine {cos.min():.9f} over {n} texts")
        ok &= bool(cos.min() >= 0.99999)
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

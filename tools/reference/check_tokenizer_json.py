"""Checks the tokenizer.json an export carries (issue 19):

    /tmp/refvenv/bin/python tools/reference/check_tokenizer_json.py EXPORT_DIR [REFERENCE_MODEL_DIR]

1. `AutoTokenizer.from_pretrained(EXPORT_DIR)` without the SentencePiece model (a copy of the
   directory without sentencepiece.bpe.model) gives a fast tokenizer, and on the 10,200 lines of
   Tests/Fixtures/tokenizers/lines.txt the ids of Tests/Fixtures/tokenizers/e5.ids;
2. Hugging Face `tokenizers` loading EXPORT_DIR/tokenizer.json gives the same ids as the
   tokenizer transformers builds for REFERENCE_MODEL_DIR (default models/multilingual-e5-small)
   from its sentencepiece.bpe.model, on the lines and on the pairs of pairs.txt.
Prints the first differing lines; exits 1 on any difference.
"""
import os
import shutil
import sys
import tempfile

from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
FIX = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")


def lines(name):
    with open(os.path.join(FIX, name), "rb") as f:
        parts = f.read().decode("utf-8").split("\n")
    return parts[:-1] if parts and parts[-1] == "" else parts


def compare(what, ours, theirs, texts):
    bad = [k for k, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    for k in bad[:5]:
        print(f"{what}: line {k + 1} {texts[k]!r}: {ours[k]} != {theirs[k]}")
    print(f"{what}: {len(ours) - len(bad)} of {len(ours)} equal")
    return not bad and len(ours) == len(theirs)


def main():
    export = sys.argv[1]
    reference = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "models", "multilingual-e5-small")
    texts = lines("lines.txt")
    pairs = [tuple(p.split("\t")) for p in lines("pairs.txt")]
    expected = [[int(x) for x in l.split()] for l in lines("e5.ids")]
    ok = True

    with tempfile.TemporaryDirectory() as tmp:
        for name in os.listdir(export):
            if name != "sentencepiece.bpe.model":
                src = os.path.join(os.path.abspath(export), name)
                os.symlink(src, os.path.join(tmp, name))
        auto = AutoTokenizer.from_pretrained(tmp)
        fast = getattr(auto, "is_fast", False) and hasattr(auto, "backend_tokenizer")
        print(f"AutoTokenizer without sentencepiece.bpe.model: {type(auto).__name__}, fast: {fast}")
        ok &= fast
        ids = auto(texts, add_special_tokens=True, truncation=False)["input_ids"]
        ok &= compare("AutoTokenizer(export) vs e5.ids", ids, expected, texts)

    ours = Tokenizer.from_file(os.path.join(export, "tokenizer.json"))
    theirs = AutoTokenizer.from_pretrained(reference).backend_tokenizer
    for t in (ours, theirs):
        t.no_truncation()
        t.no_padding()
    a = [e.ids for e in ours.encode_batch(texts)]
    b = [e.ids for e in theirs.encode_batch(texts)]
    ok &= compare("tokenizers(export tokenizer.json) vs transformers(sentencepiece)", a, b, texts)
    pa = [(e.ids, e.type_ids) for e in ours.encode_batch(pairs)]
    pb = [(e.ids, e.type_ids) for e in theirs.encode_batch(pairs)]
    ok &= compare("pairs", pa, pb, pairs)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

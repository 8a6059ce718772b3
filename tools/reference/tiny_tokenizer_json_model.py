"""Writes a small random BERT sentence-transformers directory whose only tokenizer file is a
tokenizer.json (a model for `trainer trim`'s tokenizer.json path):

    /tmp/refvenv/bin/python tools/reference/tiny_tokenizer_json_model.py OUT_DIR [TOKENIZER_JSON]

TOKENIZER_JSON defaults to Tests/Fixtures/tokenizers/wordpiece-cased.json (a cased WordPiece
trained on KorNLU, klue/roberta's kind); any fixture there works (tokenizer class
BertTokenizerFast for WordPiece, else PreTrainedTokenizerFast, with the specials the file's added
tokens name). Weights: transformers' BertModel initialization, seed 0.
"""
import json
import os
import shutil
import sys

import torch
from transformers import BertConfig, BertModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def main():
    out = sys.argv[1]
    tok = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Tests", "Fixtures", "tokenizers", "wordpiece-cased.json")
    with open(tok, encoding="utf-8") as f:
        spec = json.load(f)
    v = spec["model"]["vocab"]
    ids = list(range(len(v))) if isinstance(v, list) else list(v.values())  # Unigram: [piece, score] by id
    vocab = max(ids + [t["id"] for t in spec["added_tokens"]]) + 1
    torch.manual_seed(0)
    config = BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        max_position_embeddings=512, hidden_act="gelu")
    BertModel(config).save_pretrained(out, safe_serialization=True)
    shutil.copy(tok, os.path.join(out, "tokenizer.json"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        added = {t["content"] for t in spec["added_tokens"]}
        settings = {"tokenizer_class": "BertTokenizerFast" if spec["model"].get("type") == "WordPiece" else "PreTrainedTokenizerFast",
                    "do_lower_case": bool((spec.get("normalizer") or {}).get("lowercase", False)), "model_max_length": 512}
        for key, names in (("unk_token", ["[UNK]", "<unk>"]), ("sep_token", ["[SEP]", "</s>"]), ("pad_token", ["[PAD]", "<pad>"]),
                           ("cls_token", ["[CLS]", "<s>"]), ("mask_token", ["[MASK]", "<mask>"])):
            found = [n for n in names if n in added]
            if found:
                settings[key] = found[0]
        json.dump(settings, f)
    with open(os.path.join(out, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}], f)
    with open(os.path.join(out, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": 512, "do_lower_case": False}, f)
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    with open(os.path.join(out, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}, f)
    print(f"wrote {out}: BERT, vocab {vocab}, tokenizer {tok}")


if __name__ == "__main__":
    main()

"""A tiny random XLM-R and BERT encoder (2 layers, hidden 32, 4 heads, vocab 100) and their
PyTorch outputs on sequences of unequal lengths (1, 2, 7, 64 tokens). Writes, per model,
Tests/Fixtures/tiny-<kind>/{config.json, model.safetensors, reference.safetensors}: the packed
input ids, the unpadded last hidden states [T, 32] and mean/CLS-pooled embeddings [4, 32]."""
import json, os
import numpy as np
import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
lengths = [1, 2, 7, 64]

def build(kind):
    torch.manual_seed(1234 if kind == "xlmr" else 4321)
    common = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  type_vocab_size=2, layer_norm_eps=1e-5, hidden_act="gelu", hidden_dropout_prob=0.0,
                  attention_probs_dropout_prob=0.0)
    if kind == "xlmr":
        cfg = XLMRobertaConfig(max_position_embeddings=66 + 2, pad_token_id=1, bos_token_id=0, eos_token_id=2, **common)
        model = XLMRobertaModel(cfg, add_pooling_layer=False)
    else:
        cfg = BertConfig(max_position_embeddings=64, pad_token_id=0, **common)
        model = BertModel(cfg, add_pooling_layer=False)
    # larger than default init so that every op matters numerically
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    model.eval()
    g = torch.Generator().manual_seed(7)
    pad = cfg.pad_token_id
    seqs = [torch.randint(3, 100, (n,), generator=g) for n in lengths]
    T = max(lengths)
    ids = torch.full((len(seqs), T), pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), T), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = s; mask[i, : len(s)] = 1
    with torch.no_grad():
        h = model(input_ids=ids, attention_mask=mask).last_hidden_state
    packed = torch.cat([h[i, : n] for i, n in enumerate(lengths)])
    m = mask.unsqueeze(-1).float()
    mean = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    cls = h[:, 0]
    out = os.path.join(root, f"Tests/Fixtures/tiny-{kind}")
    os.makedirs(out, exist_ok=True)
    cfg_dict = cfg.to_dict()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({k: cfg_dict[k] for k in [x for x in ["model_type", "vocab_size", "hidden_size", "num_hidden_layers",
                   "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size",
                   "layer_norm_eps", "pad_token_id", "bos_token_id", "eos_token_id", "hidden_act",
                   "hidden_dropout_prob", "attention_probs_dropout_prob", "position_embedding_type"] if x in cfg_dict]}, f, indent=1)
    save_file({k: v.contiguous() for k, v in model.state_dict().items() if "position_ids" not in k},
              os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    save_file({"ids": torch.cat(seqs), "lengths": torch.tensor(lengths), "hidden": packed.contiguous(),
               "mean": mean.contiguous(), "cls": cls.contiguous()}, os.path.join(out, "reference.safetensors"))
    print(kind, "->", out)

build("xlmr")
build("bert")

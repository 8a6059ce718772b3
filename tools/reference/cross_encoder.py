"""A tiny random cross-encoder (XLMRobertaForSequenceClassification: 2 layers, hidden 32, vocab
100, 1 label) and what transformers computes for 4 pairs of unequal lengths: the logits, and for
a random upstream gradient the gradient of every parameter. Writes
Tests/Fixtures/tiny-cross-encoder/{config.json, model.safetensors, reference.safetensors}; the
reference holds the packed pair ids `<s> a </s></s> b </s>`, their lengths, the logits, the
upstream gradient and grad.<parameter name> for each parameter, plus a tanh op case."""
import json, os
import torch
from safetensors.torch import save_file
from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.manual_seed(99)
cfg = XLMRobertaConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                       type_vocab_size=1, layer_norm_eps=1e-5, hidden_act="gelu", hidden_dropout_prob=0.0,
                       attention_probs_dropout_prob=0.0, max_position_embeddings=66 + 2, pad_token_id=1, bos_token_id=0,
                       eos_token_id=2, num_labels=1)
model = XLMRobertaForSequenceClassification(cfg)
with torch.no_grad():
    for name, p in model.named_parameters():
        if "LayerNorm" in name:
            p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.1 * torch.randn_like(p))
        else:
            p.copy_(0.2 * torch.randn_like(p))
model.eval()
g = torch.Generator().manual_seed(5)
pairs = [(1, 1), (3, 9), (20, 2), (30, 30)]
seqs = [torch.cat([torch.tensor([0]), torch.randint(3, 100, (a,), generator=g), torch.tensor([2, 2]),
                   torch.randint(3, 100, (b,), generator=g), torch.tensor([2])]) for a, b in pairs]
L = max(len(s) for s in seqs)
ids = torch.full((len(seqs), L), 1, dtype=torch.long)
mask = torch.zeros((len(seqs), L), dtype=torch.long)
for i, s in enumerate(seqs):
    ids[i, :len(s)] = s
    mask[i, :len(s)] = 1
logits = model(input_ids=ids, attention_mask=mask).logits
up = torch.randn_like(logits)
(logits * up).sum().backward()
out = {"ids": torch.cat(seqs), "lengths": torch.tensor([len(s) for s in seqs]), "logits": logits.detach().contiguous(),
       "upstream": up.contiguous()}
for name, p in model.named_parameters():
    out[f"grad.{name}"] = p.grad.detach().contiguous()
x = (torch.randn(3, 7) * 2).requires_grad_()
y = torch.tanh(x)
tup = torch.randn_like(y)
(y * tup).sum().backward()
out.update({"tanh.x": x.detach(), "tanh.out": y.detach(), "tanh.upstream": tup, "tanh.grad.x": x.grad})
dest = os.path.join(root, "Tests/Fixtures/tiny-cross-encoder")
os.makedirs(dest, exist_ok=True)
d = cfg.to_dict()
keep = ["architectures", "model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "intermediate_size", "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "pad_token_id",
        "bos_token_id", "eos_token_id", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "position_embedding_type", "id2label", "label2id"]
d["architectures"] = ["XLMRobertaForSequenceClassification"]
with open(os.path.join(dest, "config.json"), "w") as f:
    json.dump({k: d[k] for k in keep if k in d}, f, indent=1)
save_file({k: v.contiguous() for k, v in model.state_dict().items() if "position_ids" not in k},
          os.path.join(dest, "model.safetensors"), metadata={"format": "pt"})
save_file(out, os.path.join(dest, "reference.safetensors"))
print(logits.detach().flatten().tolist(), sorted(model.state_dict().keys())[-6:])

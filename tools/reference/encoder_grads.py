"""Whole-encoder gradients from PyTorch: the InfoNCE loss over 4 (query, positive, negative)
triplets (mean pooling, cosine similarity, temperature 0.05, in-batch negatives, dropout off) and
the gradient of every parameter tensor.

  tiny  -> Tests/Fixtures/tiny-xlmr/grads.safetensors: ids, lengths, loss, grad.<name> for every
           tensor, and the losses of 10 AdamW steps (lr 1e-3, betas 0.9/0.999, eps 1e-6, weight
           decay 0.01 except biases and LayerNorm weights) on the same batch.
  e5    -> Tests/Fixtures/e5-small/grads.safetensors for the imported multilingual-e5-small on
           4 KorNLI triplets ("query: " prefix, max length 64): ids, lengths, loss, and per
           tensor max|grad| (maxabs.<name>) plus the gradient at up to 1024 sampled entries
           (index.<name>, value.<name>; small tensors whole), so the fixture stays small.

Usage: python encoder_grads.py [tiny|e5 ...]   (default: both)"""
import csv, json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, XLMRobertaConfig, XLMRobertaModel

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPERATURE = 0.05


def load(model_dir):
    cfg = XLMRobertaConfig.from_pretrained(model_dir)
    cfg.hidden_dropout_prob = 0.0
    cfg.attention_probs_dropout_prob = 0.0
    cfg._attn_implementation = "eager"
    model = XLMRobertaModel(cfg, add_pooling_layer=False)
    state = load_file(os.path.join(model_dir, "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not [k for k in missing if "position_ids" not in k] and not unexpected, (missing, unexpected)
    model.train()  # dropout probabilities are 0
    return model, cfg


def infonce(model, cfg, seqs):
    """seqs: 4 queries, 4 positives, 4 negatives (token id lists)."""
    T = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), T), cfg.pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), T), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    h = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask.unsqueeze(-1).float()
    emb = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    n = len(seqs) // 3
    q, c = F.normalize(emb[:n], dim=-1), F.normalize(emb[n:], dim=-1)
    scores = q @ c.T / TEMPERATURE
    return F.cross_entropy(scores, torch.arange(n))


def packed(seqs):
    return torch.tensor([t for s in seqs for t in s], dtype=torch.long), torch.tensor([len(s) for s in seqs])


def tiny():
    d = os.path.join(root, "Tests/Fixtures/tiny-xlmr")
    model, cfg = load(d)
    g = torch.Generator().manual_seed(11)
    lengths = [1, 7, 12, 64, 2, 5, 30, 9, 3, 64, 1, 20]
    seqs = [torch.randint(3, 100, (n,), generator=g).tolist() for n in lengths]
    loss = infonce(model, cfg, seqs)
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    out["ids"], out["lengths"] = packed(seqs)
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad.detach().clone()
    # ten AdamW steps on the same batch
    decay = [p for n, p in model.named_parameters() if not (n.endswith(".bias") or "LayerNorm" in n)]
    rest = [p for n, p in model.named_parameters() if n.endswith(".bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-6, foreach=False)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        l = infonce(model, cfg, seqs)
        l.backward()
        opt.step()
        losses.append(l.item())
    out["adamw_losses"] = torch.tensor(losses)
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(d, "grads.safetensors"))
    print("tiny loss", loss.item(), "adamw", losses)


def e5():
    model_dir = os.path.join(root, "models/multilingual-e5-small")
    model, cfg = load(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    with open(os.path.join(root, "data/kornlu/KorNLI/xnli.dev.ko.tsv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    triplets = {}
    for r in rows:
        t = triplets.setdefault(r["sentence1"], {})
        t.setdefault(r["gold_label"], r["sentence2"])
    chosen = [(p, t["entailment"], t["contradiction"]) for p, t in triplets.items()
              if "entailment" in t and "contradiction" in t][:4]
    texts = [x[0] for x in chosen] + [x[1] for x in chosen] + [x[2] for x in chosen]
    seqs = [tok("query: " + t, truncation=True, max_length=64)["input_ids"] for t in texts]
    loss = infonce(model, cfg, seqs)
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    out["ids"], out["lengths"] = packed(seqs)
    rng = np.random.default_rng(0)
    for name, p in model.named_parameters():
        gr = p.grad.detach().reshape(-1)
        out["maxabs." + name] = gr.abs().max().reshape(1)
        if gr.numel() <= 4096:
            idx = torch.arange(gr.numel())
        else:
            nz = torch.nonzero(gr).reshape(-1).numpy()
            pick = rng.choice(nz, size=min(1000, len(nz)), replace=False)
            zeros = rng.integers(0, gr.numel(), size=23)  # mostly rows no token touched
            idx = torch.tensor(np.unique(np.concatenate([pick, zeros, [int(gr.abs().argmax())]])))
        out["index." + name] = idx.long()
        out["value." + name] = gr[idx].clone()
    d = os.path.join(root, "Tests/Fixtures/e5-small")
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(d, "grads.safetensors"),
              metadata={"texts": json.dumps(texts, ensure_ascii=False)})
    print("e5 loss", loss.item())


for what in sys.argv[1:] or ["tiny", "e5"]:
    {"tiny": tiny, "e5": e5}[what]()

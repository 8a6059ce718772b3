"""Reference numbers for the InfoNCE objective as `trainer run` trains with it: 5 queries, their
positives and up to 2 hard negatives each (one query short of one), with duplicate texts that the
objective masks (a positive equal to another query's positive, a negative equal to a positive, two
equal queries for the symmetric term), temperature 0.05, on fixed unnormalized embeddings (19 rows of
8: queries, positives, negatives in order). Four cases: plain, symmetric, + KL distillation (T = 2,
weights 0.7 / 0.3) and + MarginMSE distillation (weights 1 / 1), each with the loss and its gradient
with respect to the embeddings, in float64 then stored as float32. Two more cases mask false
negatives with the model as its own guide (GISTEmbedLoss's margin strategies on the detached
cosines): plain with an absolute margin of 0.1, symmetric with a relative margin of 0.3; their
`.masked` is the number of candidates masked.
Writes Tests/Fixtures/infonce/reference.safetensors."""
import os
import torch
from safetensors.torch import save_file

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.manual_seed(5)
queries = ["q0", "q1", "q2", "q3", "q2"]
positives = ["p0", "p1", "p2", "p1", "p4"]
negatives = [["n0a", "n0b"], ["n1a"], ["p0", "n2b"], ["n3a", "n3b"], ["n4a", "n4b"]]
n, K, C, tau = 5, 2, 8, 0.05
cand_keys = positives + [x for ns in negatives for x in ns]
owners = [i for i, ns in enumerate(negatives) for _ in ns]
m = len(cand_keys)
E = torch.randn(n + m, C).float()
teacher = torch.tensor([[3.0, 1.0, -2.0], [2.5, 0.5, 9.0], [4.0, -1.0, float("nan")], [1.0, 2.0, 0.0], [0.5, 0.2, -0.3]])

mask = torch.tensor([[j != i and cand_keys[j] == positives[i] for j in range(m)] for i in range(n)])
rmask = torch.tensor([[j != i and queries[j] == queries[i] for j in range(n)] for i in range(n)])
# each query's own candidates (positive first) and which are absent
W = 1 + K
cols = torch.zeros(n, W, dtype=torch.long)
absent = torch.ones(n, W, dtype=torch.bool)
tscores = torch.zeros(n, W, dtype=torch.float64)
filled = [1] * n
for i in range(n):
    cols[i, 0] = i
    tscores[i, 0] = teacher[i, 0]
    absent[i, 0] = not torch.isfinite(teacher[i, 0])
for k, o in enumerate(owners):
    j = filled[o]
    filled[o] += 1
    cols[o, j] = n + k
    if torch.isfinite(teacher[o, j]):
        tscores[o, j] = teacher[o, j]
        absent[o, j] = False


def cosines(a, b):
    return torch.nn.functional.normalize(a, dim=1) @ torch.nn.functional.normalize(b, dim=1).T


def false_negatives(cos, base, margin, relative):
    """`base` with every unmasked candidate j != i of row i above the row's threshold masked."""
    cos = cos.detach()
    pos = cos.diagonal().unsqueeze(1)
    threshold = pos * (1 - margin) if relative else pos - margin
    own = torch.eye(cos.shape[0], cos.shape[1], dtype=torch.bool)
    extra = (cos > threshold) & ~own & ~base
    return base | extra, int(extra.sum())


def case(symmetric=False, distill=None, fn=None):
    e = E.double().requires_grad_()
    q, c = e[:n], e[n:]
    cos = cosines(q, c)
    logits = cos / tau
    m1, masked = (mask, 0) if fn is None else false_negatives(cos, mask, *fn)
    loss = torch.nn.functional.cross_entropy(logits.masked_fill(m1, float("-inf")), torch.arange(n))
    if symmetric:
        bcos = cosines(c[:n], q)
        m2, more = (rmask, 0) if fn is None else false_negatives(bcos, rmask, *fn)
        masked += more
        back = (bcos / tau).masked_fill(m2, float("-inf"))
        loss = 0.5 * (loss + torch.nn.functional.cross_entropy(back, torch.arange(n)))
    if distill == "kl":
        T = 2.0
        s = torch.gather(logits, 1, cols)
        logq = torch.log_softmax((s / T).masked_fill(absent, float("-inf")), dim=1)
        p = torch.softmax((tscores / T).masked_fill(absent, float("-inf")), dim=1)
        kd = T * T * torch.where(p > 0, p * (torch.log(p) - logq), torch.zeros_like(p)).sum() / n
        loss = 0.3 * loss + 0.7 * kd
    elif distill == "marginmse":
        s = torch.gather(logits, 1, cols)
        err = (s[:, :1] - s[:, 1:]) - (tscores[:, :1] - tscores[:, 1:])
        kd = (err[~absent[:, 1:]] ** 2).mean()
        loss = loss + kd
    loss.backward()
    return loss.detach().float().reshape(1), e.grad.float(), masked


out = {"embeddings": E}
for name, kw in [("plain", {}), ("symmetric", {"symmetric": True}), ("kl", {"distill": "kl"}), ("marginmse", {"distill": "marginmse"}),
                 ("fn_absolute", {"fn": (0.1, False)}), ("fn_relative_symmetric", {"symmetric": True, "fn": (0.3, True)})]:
    out[f"{name}.loss"], out[f"{name}.grad"], masked = case(**kw)
    if "fn" in kw:
        out[f"{name}.masked"] = torch.tensor([float(masked)])
os.makedirs(f"{root}/Tests/Fixtures/infonce", exist_ok=True)
save_file(out, f"{root}/Tests/Fixtures/infonce/reference.safetensors")
print({k: v.reshape(-1)[:1].tolist() for k, v in out.items() if k.endswith("loss")})

"""Reference numbers for the InfoNCE objective as `trainer run` trains with it: 5 queries, their
positives and up to 2 hard negatives each (one query short of one), with duplicate texts that the
objective masks (a positive equal to another query's positive, a negative equal to a positive, two
equal queries for the symmetric term), temperature 0.05, on fixed unnormalized embeddings (19 rows of
8: queries, positives, negatives in order). Four cases: plain, symmetric, + KL distillation (T = 2,
weights 0.7 / 0.3) and + MarginMSE distillation (weights 1 / 1), each with the loss and its gradient
with respect to the embeddings, in float64 then stored as float32.
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


def case(symmetric=False, distill=None):
    e = E.double().requires_grad_()
    q, c = e[:n], e[n:]
    logits = cosines(q, c) / tau
    loss = torch.nn.functional.cross_entropy(logits.masked_fill(mask, float("-inf")), torch.arange(n))
    if symmetric:
        back = (cosines(c[:n], q) / tau).masked_fill(rmask, float("-inf"))
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
    return loss.detach().float().reshape(1), e.grad.float()


out = {"embeddings": E}
for name, kw in [("plain", {}), ("symmetric", {"symmetric": True}), ("kl", {"distill": "kl"}), ("marginmse", {"distill": "marginmse"})]:
    out[f"{name}.loss"], out[f"{name}.grad"] = case(**kw)
os.makedirs(f"{root}/Tests/Fixtures/infonce", exist_ok=True)
save_file(out, f"{root}/Tests/Fixtures/infonce/reference.safetensors")
print({k: v.reshape(-1)[:1].tolist() for k, v in out.items() if k.endswith("loss")})

"""Reference numbers for embedding distillation from a bi-encoder teacher (sentence-transformers'
MSELoss, with a learned projection when the widths differ, and an optional KL of the in-batch
similarity distributions), on the InfoNCE fixture's batch (Tests/Fixtures/infonce: 5 queries,
their positives and up to 2 hard negatives, 19 unnormalized student rows of 8; a duplicate positive
and a negative equal to a positive are masked out of the KL's softmax as InfoNCE masks them) and
fixed teacher embeddings of every text. Cases (each the loss, its gradient with respect to the
student rows and, with a projection, with respect to the projection):
  - plain:      mse of the normalized student rows against 8-dim teacher rows, weight 1
  - raw:        the same without normalizing the student rows, weight 0.5
  - projection: 6-dim teacher rows through a 6 x 8 projection, weight 0.7
  - kl:         projection, weight 0.7, + 0.5 * KL at temperature 0.05
  - infonce:    InfoNCE (temperature 0.05) + 0.7 * mse (projection) + 0.5 * KL
Computed in float64, stored as float32. Writes Tests/Fixtures/embedding_distill/reference.safetensors."""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
E = load_file(f"{root}/Tests/Fixtures/infonce/reference.safetensors")["embeddings"]
positives = ["p0", "p1", "p2", "p1", "p4"]
negatives = [["n0a", "n0b"], ["n1a"], ["p0", "n2b"], ["n3a", "n3b"], ["n4a", "n4b"]]
n, tau = 5, 0.05
cand = positives + [x for ns in negatives for x in ns]
m = len(cand)
mask = torch.tensor([[j != i and cand[j] == positives[i] for j in range(m)] for i in range(n)])
torch.manual_seed(11)
T8 = torch.randn(n + m, 8)
T6 = torch.randn(n + m, 6)
W = torch.randn(6, 8) * 0.3


def infonce(e):
    q, c = F.normalize(e[:n], dim=1), F.normalize(e[n:], dim=1)
    return F.cross_entropy((q @ c.T / tau).masked_fill(mask, float("-inf")), torch.arange(n))


def kl(e, t):
    """KL(teacher || student) of each query's softmax over the candidates, mean over queries."""
    s = F.normalize(e[:n], dim=1) @ F.normalize(e[n:], dim=1).T / tau
    tt = F.normalize(t[:n], dim=1) @ F.normalize(t[n:], dim=1).T / tau
    logq = torch.log_softmax(s.masked_fill(mask, float("-inf")), dim=1)
    p = torch.softmax(tt.masked_fill(mask, float("-inf")), dim=1)
    terms = torch.where(p > 0, p * (torch.log(p) - logq), torch.zeros_like(p))
    return terms.sum(dim=1).mean()


def case(teacher, weight, normalize=True, projection=None, kl_weight=0.0, with_infonce=False):
    e = E.double().requires_grad_()
    w = projection.double().requires_grad_() if projection is not None else None
    t = teacher.double()
    s = F.normalize(e, dim=1) if normalize else e
    if w is not None:
        s = s @ w.T
    loss = weight * F.mse_loss(s, t)
    if kl_weight:
        loss = loss + kl_weight * kl(e, t)
    if with_infonce:
        loss = loss + infonce(e)
    loss.backward()
    out = {"loss": loss.detach().float().reshape(1), "grad": e.grad.float()}
    if w is not None:
        out["projection_grad"] = w.grad.float()
    return out


out = {"teacher8": T8, "teacher6": T6, "projection": W}
cases = {
    "plain": case(T8, 1.0),
    "raw": case(T8, 0.5, normalize=False),
    "projection": case(T6, 0.7, projection=W),
    "kl": case(T6, 0.7, projection=W, kl_weight=0.5),
    "infonce": case(T6, 0.7, projection=W, kl_weight=0.5, with_infonce=True),
}
for name, values in cases.items():
    for k, v in values.items():
        out[f"{name}.{k}"] = v
os.makedirs(f"{root}/Tests/Fixtures/embedding_distill", exist_ok=True)
save_file(out, f"{root}/Tests/Fixtures/embedding_distill/reference.safetensors")
print({k: v.tolist() for k, v in out.items() if k.endswith("loss")})

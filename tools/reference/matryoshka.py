"""Reference numbers for Matryoshka objectives (sentence-transformers' MatryoshkaLoss: the inner
loss on the embeddings truncated to each dimension, weighted and summed):
  - InfoNCE on the InfoNCE fixture's batch (Tests/Fixtures/infonce: 5 queries, positives, up to 2 hard
    negatives, duplicates masked; temperature 0.05), dims 8, 4, 2 with weights 1, 0.5, 0.25;
  - CoSENT (scale 20) on 6 graded pairs of 6-dimensional embeddings, dims 6, 3 with weights 1, 1.
Each with the loss and its gradient with respect to the embeddings (float64, stored as float32).
Writes Tests/Fixtures/matryoshka/reference.safetensors."""
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


def infonce(e):
    q, c = F.normalize(e[:n], dim=1), F.normalize(e[n:], dim=1)
    return F.cross_entropy((q @ c.T / tau).masked_fill(mask, float("-inf")), torch.arange(n))


def cosent(e, scores, scale=20.0):
    k = len(scores)
    s = F.cosine_similarity(e[:k], e[k:]) * scale
    s = s[:, None] - s[None, :]
    labels = (scores[:, None] < scores[None, :]).float()
    s = s - (1 - labels) * 1e12
    return torch.logsumexp(torch.cat((torch.zeros(1, dtype=s.dtype), s.view(-1))), dim=0)


def matryoshka(loss, e, dims, weights):
    return sum(w * loss(e[:, :d]) for d, w in zip(dims, weights))


out = {}
e = E.double().requires_grad_()
loss = matryoshka(infonce, e, [8, 4, 2], [1.0, 0.5, 0.25])
loss.backward()
out["infonce.loss"], out["infonce.grad"] = loss.detach().float().reshape(1), e.grad.float()

torch.manual_seed(7)
P = torch.randn(12, 6)
scores = torch.tensor([4.5, 1.0, 3.0, 3.0, 0.2, 5.0], dtype=torch.float64)
p = P.double().requires_grad_()
loss = matryoshka(lambda x: cosent(x, scores), p, [6, 3], [1.0, 1.0])
loss.backward()
out["cosent.embeddings"], out["cosent.scores"] = P, scores.float()
out["cosent.loss"], out["cosent.grad"] = loss.detach().float().reshape(1), p.grad.float()
os.makedirs(f"{root}/Tests/Fixtures/matryoshka", exist_ok=True)
save_file(out, f"{root}/Tests/Fixtures/matryoshka/reference.safetensors")
print({k: v.tolist() for k, v in out.items() if k.endswith("loss")})

"""Reference numbers from PyTorch for every tape op: for each op, its inputs, a random upstream
gradient, the output and the gradient of every input (torch.autograd, float32). Sequence ops run
on 4 sequences of 1, 2, 7 and 64 tokens, padded and masked on the PyTorch side, packed on ours.
Dropout uses our mask generator (a hash of the seed and the element index), written out in
Python, so the reference checks the mask too. Writes Tests/Fixtures/ops/reference.safetensors
with keys <op>.<tensor>."""
import math, os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.manual_seed(0)
out = {}
LENGTHS = [1, 2, 7, 64]
T = sum(LENGTHS)


def leaf(*shape, scale=1.0, offset=0.0):
    return (offset + scale * torch.randn(*shape)).requires_grad_()


def run(op, inputs, fn, consts=None):
    """Stores inputs, output, upstream gradient and input gradients of fn(*inputs)."""
    y = fn(*inputs.values())
    up = torch.randn_like(y)
    (y * up).sum().backward()
    for k, v in inputs.items():
        out[f"{op}.{k}"] = v.detach().clone()
        out[f"{op}.grad.{k}"] = v.grad.detach().clone()
    for k, v in (consts or {}).items():
        out[f"{op}.{k}"] = v
    out[f"{op}.out"] = y.detach().clone().reshape(y.shape if y.dim() else (1,))
    out[f"{op}.upstream"] = up.reshape(y.shape if y.dim() else (1,))


def pad(x):
    """packed (T, C) -> padded (S, Lmax, C) and mask (S, Lmax)"""
    S, L = len(LENGTHS), max(LENGTHS)
    rows, mask, start = [], torch.zeros(S, L, dtype=torch.bool), 0
    for i, n in enumerate(LENGTHS):
        rows.append(F.pad(x[start:start + n], (0, 0, 0, L - n)))
        mask[i, :n] = True
        start += n
    return torch.stack(rows), mask


def unpad(h):
    return torch.cat([h[i, :n] for i, n in enumerate(LENGTHS)])


# embeddings: repeated ids scatter-add
ids = torch.tensor([3, 7, 3, 3, 0, 9])
pos = torch.tensor([2, 3, 4, 2, 2, 5])
types = torch.tensor([0, 1, 0, 0, 1, 1])
run("embeddings", {"word": leaf(10, 4), "position": leaf(6, 4), "tokenType": leaf(2, 4)},
    lambda w, p, t: w[ids] + p[pos] + t[types], {"ids": ids, "positions": pos, "types": types})

run("linear", {"x": leaf(5, 6), "weight": leaf(4, 6), "bias": leaf(4), "residual": leaf(5, 4)},
    lambda x, w, b, r: F.linear(x, w, b) + r)
run("linearGELU", {"x": leaf(5, 6), "weight": leaf(4, 6), "bias": leaf(4)},
    lambda x, w, b: F.gelu(F.linear(x, w, b)))
run("layerNorm", {"x": leaf(4, 16, scale=2, offset=1), "weight": leaf(16, offset=1), "bias": leaf(16)},
    lambda x, w, b: F.layer_norm(x, (16,), w, b, eps=1e-5))
run("gelu", {"x": leaf(3, 20, scale=3)}, lambda x: F.gelu(x))
run("add", {"a": leaf(3, 5), "b": leaf(3, 5)}, lambda a, b: a + b)
run("scale", {"x": leaf(3, 5)}, lambda x: x * -3.5)


def attention(q, k, v, H=2):
    D = q.shape[1] // H
    qp, mask = pad(q)
    kp, _ = pad(k)
    vp, _ = pad(v)
    S, L, _ = qp.shape
    split = lambda t: t.view(S, L, H, D).transpose(1, 2)
    scores = split(qp) @ split(kp).transpose(-1, -2) / math.sqrt(D)
    scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
    ctx = (scores.softmax(-1) @ split(vp)).transpose(1, 2).reshape(S, L, H * D)
    return unpad(ctx)


run("attention", {"q": leaf(T, 8), "k": leaf(T, 8), "v": leaf(T, 8)}, attention,
    {"lengths": torch.tensor(LENGTHS)})


def mean_pool(x):
    xp, mask = pad(x)
    m = mask.unsqueeze(-1).float()
    return (xp * m).sum(1) / m.sum(1).clamp(min=1e-9)


run("poolMean", {"x": leaf(T, 5)}, mean_pool)
run("poolCLS", {"x": leaf(T, 5)}, lambda x: pad(x)[0][:, 0])
run("l2Normalize", {"x": leaf(4, 6)}, lambda x: F.normalize(x, dim=-1))
run("cosineSimilarity", {"a": leaf(4, 6), "b": leaf(5, 6)},
    lambda a, b: F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T)
run("rows", {"x": leaf(4, 6)}, lambda x: x[1:3])
run("logSoftmax", {"x": leaf(3, 5, scale=2)}, lambda x: x.log_softmax(-1))
targets = torch.tensor([4, 0, 2])
run("crossEntropy", {"x": leaf(3, 5, scale=2)}, lambda x: F.cross_entropy(x, targets), {"targets": targets})
mask = torch.zeros(3, 5, dtype=torch.bool)
mask[0, 1] = mask[1, 4] = True
run("maskedCrossEntropy", {"x": leaf(3, 5, scale=2)},
    lambda x: F.cross_entropy(x.masked_fill(mask, float("-inf")), targets), {"mask": mask.to(torch.int64)})
p = torch.rand(3, 5) + 0.05
p[1, 2] = 0
p = p / p.sum(-1, keepdim=True)
run("klDivergence", {"x": leaf(3, 5, scale=2)},
    lambda x: F.kl_div(x.log_softmax(-1), p, reduction="batchmean"), {"target": p})
run("mse", {"a": leaf(3, 5), "b": leaf(3, 5)}, lambda a, b: F.mse_loss(a, b))
run("mean", {"x": leaf(3, 5)}, lambda x: x.mean())

# CoSENT as sentence-transformers' CoSENTLoss computes it (scale 20, tied scores included)
cosent_scores = torch.tensor([4.5, 1.0, 3.0, 3.0, 0.2, 5.0])


def cosent(a, b, scale=20.0):
    s = F.cosine_similarity(a, b) * scale
    s = s[:, None] - s[None, :]
    labels = (cosent_scores[:, None] < cosent_scores[None, :]).float()
    s = s - (1 - labels) * 1e12
    return torch.logsumexp(torch.cat((torch.zeros(1), s.view(-1))), dim=0)


run("cosent", {"a": leaf(6, 5), "b": leaf(6, 5)}, cosent, {"scores": cosent_scores})
run("rowDot", {"a": leaf(4, 6), "b": leaf(4, 6)}, lambda a, b: (a * b).sum(-1))
run("pairwiseDifferences", {"x": leaf(5)}, lambda x: x[None, :] - x[:, None])

# dropout with our mask generator written out here: the first dropout op of Tape(seed: 1234)
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def splitmix_next(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def keeps(seed, i, p):
    x = (((i * 0x9E3779B1) & M32) ^ (seed & M32) ^ (seed >> 32)) & M32
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    x ^= x >> 16
    return (x >> 8) >= int(p * 16777216)


_, mask_seed = splitmix_next(1234)
P_DROP = 0.25
drop_mask = torch.tensor([keeps(mask_seed, i, P_DROP) for i in range(3 * 40)], dtype=torch.float32).reshape(3, 40)
run("dropout", {"x": leaf(3, 40)}, lambda x: x * drop_mask / (1 - P_DROP))

# Matryoshka truncation: the leading columns of embeddings
run("leadingColumns", {"x": leaf(4, 6)}, lambda x: x[:, :4])

os.makedirs(os.path.join(root, "Tests/Fixtures/ops"), exist_ok=True)
save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(root, "Tests/Fixtures/ops/reference.safetensors"))
print(len(out), "tensors")

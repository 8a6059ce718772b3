"""Reference numbers for the distillation losses (KL at a temperature, ×T², and MarginMSE) and
the cross-encoder's binary cross-entropy on logits (BCEWithLogitsLoss, soft targets included):
student logits (6 queries × 5 candidates, the positive first), teacher scores, a mask of absent
candidates (two queries short of negatives), the loss and its gradient with respect to the
student logits, in float64 then stored as float32. Writes Tests/Fixtures/distill/reference.safetensors."""
import os
import torch
from safetensors.torch import save_file

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
torch.manual_seed(3)
R, W, T = 6, 5, 2.0
student = (torch.randn(R, W) * 4).float()
teacher = (torch.randn(R, W) * 3).float()
absent = torch.zeros(R, W, dtype=torch.bool)
absent[1, 4] = True
absent[4, 2:] = True

out = {"student": student, "teacher": teacher, "absent": absent.to(torch.int64), "temperature": torch.tensor([T])}

# KL(p || q) at temperature T, x T^2, batchmean over queries; absent candidates out of both softmaxes
s = student.double().requires_grad_()
z = (s / T).masked_fill(absent, float("-inf"))
logq = torch.log_softmax(z, dim=1)
p = torch.softmax((teacher.double() / T).masked_fill(absent, float("-inf")), dim=1)
terms = torch.where(p > 0, p * (torch.log(p) - logq), torch.zeros_like(p))
kl = T * T * terms.sum() / R
kl.backward()
out["kl.loss"] = kl.detach().float().reshape(1)
out["kl.grad"] = s.grad.float()

# MarginMSE: mean over present (r, j >= 1) of ((s0 - sj) - (t0 - tj))^2
s = student.double().requires_grad_()
t = teacher.double()
err = (s[:, :1] - s[:, 1:]) - (t[:, :1] - t[:, 1:])
present = ~absent[:, 1:]
mm = (err[present] ** 2).mean()
mm.backward()
out["marginmse.loss"] = mm.detach().float().reshape(1)
out["marginmse.grad"] = s.grad.float()

# binary cross-entropy of logits against targets in [0, 1], large logits included
x = torch.cat([torch.randn(10) * 5, torch.tensor([40.0, -40.0])]).double().requires_grad_()
y = torch.cat([torch.rand(6), torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])]).double()
bce = torch.nn.functional.binary_cross_entropy_with_logits(x, y)
bce.backward()
out["bce.logits"] = x.detach().float()
out["bce.targets"] = y.float()
out["bce.loss"] = bce.detach().float().reshape(1)
out["bce.grad"] = x.grad.float()

os.makedirs(f"{root}/Tests/Fixtures/distill", exist_ok=True)
save_file(out, f"{root}/Tests/Fixtures/distill/reference.safetensors")
print({k: v.shape for k, v in out.items()}, kl.item(), mm.item(), bce.item())

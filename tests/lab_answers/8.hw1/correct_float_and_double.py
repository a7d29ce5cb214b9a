# Correct: MSE returned as a Python float, cross entropy computed in float64.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
batch = 8
classes = 3

# A batch of made-up regression predictions and their targets.
pred = torch.randn(batch)
target = torch.randn(batch)
# A batch of made-up classifier scores (logits) and the true classes.
logits = torch.randn(batch, classes)
labels = torch.randint(0, classes, (batch,))


def my_mse(pred, target):
    return float(((pred - target) ** 2).mean())


def my_cross_entropy(logits, labels):
    # In float64 for headroom; the check compares the value.
    z = logits.double()
    picked = z.gather(1, labels.view(-1, 1)).squeeze(1)
    return (torch.logsumexp(z, dim=1) - picked).mean()


checks = [
    ("MSE", my_mse(pred, target), F.mse_loss(pred, target)),
    ("CrossEntropy", my_cross_entropy(logits, labels),
     F.cross_entropy(logits, labels)),
]
for name, mine, ref in checks:
    # A Python float or a float64 result is a right answer too.
    mine = torch.as_tensor(mine, dtype=ref.dtype)
    ok = torch.allclose(mine, ref, atol=1e-5)
    print(f"{name}: yours={mine.item():.4f}  torch={ref.item():.4f}  "
          f"match={ok}")

# Move the inputs step by step and draw both versions of each loss.
for i in range(25):
    shift = -3 + 0.25 * i
    shifted = pred + shift
    chart.add("mine", shift, my_mse(shifted, target), panel="mse")
    chart.add("torch", shift, F.mse_loss(shifted, target), panel="mse")
    # Raise only the logit of the true class.
    boosted = logits + shift * F.one_hot(labels, classes)
    ce_mine = my_cross_entropy(boosted, labels)
    ce_torch = F.cross_entropy(boosted, labels)
    chart.add("mine", shift, ce_mine, panel="ce")
    chart.add("torch", shift, ce_torch, panel="ce")

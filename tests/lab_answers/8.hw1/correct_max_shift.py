# Correct: the sum of squares over numel; the max shifted out before exp and log.
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
    diff = pred - target
    return (diff * diff).sum() / diff.numel()


def my_cross_entropy(logits, labels):
    top = logits.max(dim=1, keepdim=True).values
    shifted = logits - top
    log_norm = torch.log(torch.exp(shifted).sum(dim=1))
    picked = shifted[torch.arange(logits.shape[0]), labels]
    return (log_norm - picked).mean()


checks = [
    ("MSE", my_mse(pred, target), F.mse_loss(pred, target)),
    ("CrossEntropy", my_cross_entropy(logits, labels),
     F.cross_entropy(logits, labels)),
]
for name, mine, ref in checks:
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

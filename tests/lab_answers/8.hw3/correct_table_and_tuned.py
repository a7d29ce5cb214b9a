# Correct: a table of lambdas read at call time; a while loop; tuned rates answered for their race.
import torch
import torch.nn.functional as F

lr_sgd = 0.1
lr_adam = 0.03
lr_adamw = 0.03
weight_decay = 0.01
threshold = 0.05
max_steps = 300

# Toy regression data: a noisy sine wave.
torch.manual_seed(0)
X = torch.linspace(-3, 3, 64).unsqueeze(1)
y = torch.sin(X) + 0.1 * torch.randn_like(X)


def make_model():
    # The same seed gives every optimizer the same starting weights.
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(1, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 1),
    )


OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=lr_sgd),
    "adam": lambda p: torch.optim.Adam(p, lr=lr_adam),
    "adamw": lambda p: torch.optim.AdamW(p, lr=lr_adamw, weight_decay=weight_decay),
}


def make_optimizer(name, params):
    return OPTIMIZERS[name](params)


def steps_to_threshold(losses, threshold):
    step = 0
    while step < len(losses):
        if losses[step] < threshold:
            return step + 1
        step += 1
    return None


for name in ["sgd", "adam", "adamw"]:
    model = make_model()
    optimizer = make_optimizer(name, model.parameters())
    losses = []
    for step in range(max_steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        chart.add(name, step, losses[-1])
    reached = steps_to_threshold(losses, threshold)
    verdict = reached if reached is not None else "not reached"
    print(f"{name}: steps to loss < {threshold}: {verdict}, "
          f"final loss={losses[-1]:.4f}")

# Question 1: which optimizer got below the threshold first?
# Answer "sgd", "adam", "adamw", or "none" if none did.
# With the default rates: SGD 49 steps, Adam and AdamW 72 each.
fastest = "adam"

# Question 2: how do the step counts of Adam and AdamW compare?
# Answer with one letter; 10% means 10% of Adam's steps.
# a: AdamW needed more than 10% more steps than Adam
# b: they are within 10% of each other
# c: AdamW needed more than 10% fewer steps than Adam
# d: at least one of the two never got below the threshold
adam_vs_adamw = "b"

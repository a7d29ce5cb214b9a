# Correct: 2000 examples and the starter's 500 hidden units: a wider gap, validation accuracy about 0.94 (review, lab checks table).
import torch
import torch.nn.functional as F

# Far more data, and a model small enough to train on it fast.
n_train = 2000
hidden = 500
epochs = 100
weight_decay = 0.0

# The hidden rule: class 1 when a fixed weighted sum
# of the inputs is positive.
torch.manual_seed(0)
true_w = torch.randn(100)


def make_data(n):
    X = torch.randn(n, 100)
    return X, (X @ true_w > 0).long()


X_train, y_train = make_data(n_train)
# The validation set comes from the same rule
# but is never used for training.
X_val, y_val = make_data(500)

model = torch.nn.Sequential(
    torch.nn.Linear(100, hidden),
    torch.nn.ReLU(),
    torch.nn.Linear(hidden, hidden),
    torch.nn.ReLU(),
    torch.nn.Linear(hidden, 2),
)
optimizer = torch.optim.AdamW(
    model.parameters(), lr=1e-3, weight_decay=weight_decay
)
n_params = sum(p.numel() for p in model.parameters())
print(f"parameters: {n_params}, training examples: {n_train}")


def accuracy(logits, y):
    return torch.mean((torch.argmax(logits, 1) == y).double()).item()


for epoch in range(epochs):
    # One full-batch training step on the training set.
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X_train), y_train)
    loss.backward()
    optimizer.step()
    # Run both sets through the model without building a graph.
    model.eval()
    with torch.no_grad():
        train_logits = model(X_train)
        val_logits = model(X_val)
    train_loss = F.cross_entropy(train_logits, y_train).item()
    val_loss = F.cross_entropy(val_logits, y_val).item()
    train_acc = float(accuracy(train_logits, y_train))
    val_acc = float(accuracy(val_logits, y_val))
    chart.add("train", epoch, train_acc, panel="acc")
    chart.add("val", epoch, val_acc, panel="acc")
    chart.add("train", epoch, train_loss, panel="loss")
    chart.add("val", epoch, val_loss, panel="loss")

print(f"train: loss={train_loss:.4f}, accuracy={train_acc:.3f}")
print(f"val:   loss={val_loss:.4f}, accuracy={val_acc:.3f}")
print(f"gap in accuracy: {train_acc - val_acc:.3f}")

"""Shared test data for the chart tests: a Chinese chart spec and stand-in catalogs.

The real catalogs are built from the lesson files; these stand-ins keep the
chart tests independent of any lesson's wording.
"""

from __future__ import annotations

ZH_LESSONS = {
    "Loss per step, one curve per learning rate": "每一步的损失，每个学习率一条曲线（学习率越大，步子越大，越容易发散）",
    "step": "步数",
    "loss": "损失",
    "training": "训练集",
    "validation": "验证集",
}
ZH_UI = {
    "diverged": "发散",
    "previous run": "上一次运行",
    "{axis} (log scale)": "{axis}（对数坐标）",
    "no data yet": "尚无数据",
    "{name}: last {last}, min {min}": "{name}：最终 {last}，最小 {min}",
    "{name}: diverged at {axis} {x}": "{name}：{axis} = {x} 时发散",
    "{name}: no data yet": "{name}：尚无数据",
    "{name}: {value}": "{name}：{value}",
    "; ": "；",
}
ZH_SPEC = {
    "title": "Loss per step, one curve per learning rate",
    "x": "step",
    "y": "loss",
    "yscale": "log",
    "series": {"train": "training", "val": "validation"},
}


def zh(message: str) -> str:
    return ZH_LESSONS.get(message, message)


def zh_ui(message: str) -> str:
    return ZH_UI.get(message, message)

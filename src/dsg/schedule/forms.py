from __future__ import annotations

from typing import Any

from django import forms

from .planner import MAX_DURATION, MIN_DURATION, STEPS
from .steps import STEP_NAMES


class StepDurationsForm(forms.Form):
    """One field per step: its business days (1–120)."""

    def __init__(self, *args: Any, initial_days: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step in STEPS:
            self.fields[f"step_{step}"] = forms.IntegerField(
                label=STEP_NAMES[step],
                min_value=MIN_DURATION,
                max_value=MAX_DURATION,
                initial=initial_days[step],
            )

    def durations(self) -> dict[int, int]:
        return {step: self.cleaned_data[f"step_{step}"] for step in STEPS}

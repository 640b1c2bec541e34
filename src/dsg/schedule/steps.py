"""The seven steps (①–⑦) the schedule plans, as the guideline names them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

STEP_NAMES: dict[int, Any] = {
    1: _("Submission of the application (加入申請書の提出)"),
    2: _("On-site inspection (現地確認)"),
    3: _("Site survey for the line (回線敷設のための現場調査)"),
    4: _("Line construction (回線敷設工事)"),
    5: _("Router installation (通信ルータの設置)"),
    6: _("Terminal setup and connection test (端末セットアップ・接続テスト)"),
    7: _("Final on-site inspection (最終現地確認)"),
}
# The same in Japanese only, for what is shared with partners (calendars, the Excel sheet).
STEP_SUMMARIES = {
    1: "① 加入申請書の提出（審査）",
    2: "② 利用端末設置場所の現地確認",
    3: "③ 回線敷設のための現場調査",
    4: "④ 回線敷設工事",
    5: "⑤ 通信ルータの設置",
    6: "⑥ 端末セットアップ・接続テスト",
    7: "⑦ 最終現地確認",
}

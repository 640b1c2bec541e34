"""The kinds of change the guideline names (§4①: レイアウト変更, 移転, 閉鎖, 会社名や拠点名, 連絡先
等の基本情報); the office may add others. Loaded by a data migration (and again by the tests
after a flush)."""

from __future__ import annotations

from typing import Any

# fmt: off
KINDS = [
    # code, Japanese, English, category, groups, layout, inspection, provider work, concerns, closes
    ("layout", "レイアウト変更", "Layout change", "site", ["facility"],
     True, True, False, True, False),
    ("relocation", "移転", "Relocation", "site", ["site_address", "facility"],
     True, True, True, True, False),
    ("closure", "閉鎖", "Closure", "site", [],
     False, False, False, True, True),
    ("company", "会社名・所在地の変更", "Company name or address", "registered", ["company"],
     False, False, False, False, False),
    ("site_name", "拠点名の変更", "Site name", "registered", ["site_name"],
     False, False, False, False, False),
    ("contacts", "連絡先の変更", "Contacts", "registered", ["contacts"],
     False, False, False, False, False),
    ("psa", "保護システム管理者の変更", "Protection system administrator", "registered", ["psa"],
     False, False, False, False, False),
]
# fmt: on


def kinds_seed(change_kind: Any) -> None:
    """Create or update the shipped kinds (``change_kind``: the model, or its historical one)."""
    for order, row in enumerate(KINDS, start=1):
        code, ja, en, category, groups, layout, inspection, work, concerns, closes = row
        change_kind.objects.update_or_create(
            code=code,
            defaults={
                "name_ja": ja,
                "name_en": en,
                "category": category,
                "groups": groups,
                "requires_layout": layout,
                "may_need_inspection": inspection,
                "may_need_provider_work": work,
                "concerns_provider": concerns,
                "closes_site": closes,
                "order": order * 10,
            },
        )

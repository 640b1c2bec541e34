"""The sample checklists shipped with the portal (from docs: samples, not ATLA's checklists).

The 現地確認 sample follows the themes of 防衛産業サイバーセキュリティ基準 as publicly described
and tags each item with the NIST SP 800-171 Rev.2 requirement it corresponds to; its items marked
for the final inspection come back at ⑦. The 最終現地確認 sample checks what the guideline lists
for ⑦ (§3⑦): the work done since ② (回線敷設工事, 通信ルータ設置), the 取扱施設等 made ready, and
the hardware and software installed and connected as specified. The office edits both in the
portal; the data migrations ``0002_sample_checklist`` and ``0005_final_checklist`` load them once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ChecklistItem, ChecklistTemplate, ChecklistVersion

SAMPLE_NAME = "現地確認チェックリスト（サンプル）"

# (code, theme, item, NIST SP 800-171, evidence to show, 基準 clause, checked again at ⑦)
SAMPLE_ITEMS: list[tuple[str, str, str, str, str, str, bool]] = [
    (
        "F-01",
        "施設",
        "取扱施設等の範囲が定められ図示されている。端末は範囲内にのみ設置されている",
        "3.10.1",
        "レイアウト図、写真",
        "第8",
        False,
    ),
    (
        "F-02",
        "施設",
        "入室が許可された者に限定されている（施錠、カード又は生体認証装置）",
        "3.10.1",
        "扉及び認証装置の設定",
        "第8",
        False,
    ),
    (
        "F-03",
        "施設",
        "入室許可者の名簿が管理・見直しされ、異動時に速やかに更新されている",
        "3.10.1, 3.9.2",
        "名簿とその更新履歴",
        "第8",
        False,
    ),
    (
        "F-04",
        "施設",
        "来訪者には同行者が付き、監視されている",
        "3.10.3",
        "手順書、来訪者バッジ",
        "第8",
        False,
    ),
    ("F-05", "施設", "入退室記録が保存されている", "3.10.4", "記録の抜粋", "第8", False),
    (
        "F-06",
        "施設",
        "鍵・カード・暗証番号が管理され、指定された管理者が鍵を保管し、退職時に"
        "権限が取り消されている",
        "3.10.5",
        "鍵の管理簿",
        "第8",
        False,
    ),
    (
        "F-07",
        "施設",
        "施設及び関連設備が保護・監視されている（警報、カメラ、電源）",
        "3.10.2",
        "記録",
        "第8",
        False,
    ),
    (
        "F-08",
        "施設",
        "画面及び出力装置が権限のない者から見えない",
        "3.10.1",
        "現地確認",
        "第8",
        False,
    ),
    (
        "F-09",
        "施設",
        "拠点が国内にあり、代替作業場所を使用していない",
        "3.10.6",
        "所在地",
        "第8",
        False,
    ),
    (
        "D-01",
        "機器",
        "端末が指定機種であり、意図しない改造がない（封印が損なわれていない）",
        "3.4.1, 3.4.2",
        "製造番号、封印",
        "第6",
        True,
    ),
    (
        "D-02",
        "機器",
        "端末の台帳（ハードウェア及び導入ソフトウェア）が最新である",
        "3.4.1",
        "利用端末の登録簿",
        "第6",
        True,
    ),
    (
        "D-03",
        "機器",
        "必須ソフトウェア及びホワイトリスト掲載又は承認済みのソフトウェアのみが導入されている",
        "3.4.8",
        "導入一覧と登録簿の照合",
        "第6",
        True,
    ),
    (
        "D-04",
        "機器",
        "ソフトウェアは承認された申請によってのみ導入され、オンラインでの導入・更新がない",
        "3.4.9, 3.4.7",
        "申請履歴",
        "第6",
        True,
    ),
    (
        "M-01",
        "媒体",
        "可搬記憶媒体が管理者を明確にして登録され、それ以外は使用できない",
        "3.8.7, 3.8.8",
        "可搬記憶媒体の登録簿",
        "第6",
        True,
    ),
    ("M-02", "媒体", "媒体は使用しないときに施錠保管されている", "3.8.1", "保管庫", "第6", False),
    (
        "M-03",
        "媒体",
        "媒体の持出しが管理・記録されている",
        "3.8.5, 3.8.6",
        "持出し記録",
        "第6",
        False,
    ),
    (
        "M-04",
        "媒体",
        "廃棄時にデータが復元不能とされ、証明されている（基準 第6第6項）",
        "3.8.3",
        "廃棄証明書",
        "第6第6項",
        False,
    ),
    ("O-01", "組織", "保護システム管理者が指定されている", "3.1.5", "指定の記録", "第3", False),
    ("O-02", "組織", "連絡体制図及び責任者が整備されている", "3.6.1", "連絡先一覧", "第3", False),
]

FINAL_SAMPLE_NAME = "最終現地確認チェックリスト（サンプル）"

FINAL_SAMPLE_ITEMS: list[tuple[str, str, str, str, str, str, bool]] = [
    (
        "W-01",
        "作業",
        "回線敷設工事が完了し、専用回線が取扱施設等まで敷設されている",
        "",
        "工事完了の記録",
        "",
        False,
    ),
    (
        "W-02",
        "作業",
        "通信ルータが取扱施設等に設置され、製造番号が記録どおりである",
        "3.4.1",
        "通信ルータの製造番号",
        "第6",
        False,
    ),
    (
        "W-03",
        "施設",
        "取扱施設等の整備が加入申請書（レイアウト図）のとおり完了している",
        "3.10.1",
        "レイアウト図、現地確認",
        "第8",
        False,
    ),
    (
        "H-01",
        "機器",
        "利用端末（ハードウェア）が指定どおり設置され、登録された端末と一致する",
        "3.4.1",
        "利用端末の登録、製造番号",
        "第6",
        False,
    ),
    (
        "S-01",
        "ソフトウェア",
        "導入必須ソフトウェアが導入され、その他はホワイトリスト掲載のもののみが導入されている",
        "3.4.8",
        "導入ソフトウェアの一覧",
        "第6",
        False,
    ),
    (
        "N-01",
        "接続",
        "全ての利用端末が指定どおり接続され、接続テストに合格している",
        "3.13.1",
        "接続テストの記録",
        "第6",
        False,
    ),
]

# The sample of each kind of inspection: (name, items).
SAMPLES: dict[str, tuple[str, list[tuple[str, str, str, str, str, str, bool]]]] = {
    "site": (SAMPLE_NAME, SAMPLE_ITEMS),
    "final": (FINAL_SAMPLE_NAME, FINAL_SAMPLE_ITEMS),
}


def sample_load(
    template_model: type[ChecklistTemplate],
    version_model: type[ChecklistVersion],
    item_model: type[ChecklistItem],
    kind: str | None = None,
) -> None:
    """Create the sample of ``kind`` as the default template of its kind when there is none,
    version 1 published (the models are passed in so that the data migrations can use their
    historical ones; ``kind`` None is the 現地確認 sample for the models from before checklists
    had a kind)."""
    from django.utils import timezone

    name, items = SAMPLES[kind or "site"]
    if template_model.objects.filter(is_sample=True, name=name).exists():
        return
    of_kind = {"kind": kind} if kind else {}
    template = template_model.objects.create(
        name=name,
        is_sample=True,
        is_default=not template_model.objects.filter(is_default=True, **of_kind).exists(),
        **of_kind,
    )
    version = version_model.objects.create(template=template, number=1, published_at=timezone.now())
    item_model.objects.bulk_create(
        item_model(
            version=version,
            code=code,
            theme=theme,
            order=index * 10,
            text=text,
            nist_tags=nist,
            evidence=evidence,
            standard_clause=clause,
            final_recheck=final,
        )
        for index, (code, theme, text, nist, evidence, clause, final) in enumerate(items, 1)
    )

"""Use cases of the inspections, one module per topic; every public service is importable here.

Checklists: the office edits a template (one kind for the 現地確認, one for the 最終現地確認); a
version that an inspection used is frozen and the edit goes to the next version. Rounds: the
office opens the round its subject awaits, proposes dates, the company picks one (or asks for
others) and the inspector records each item on a tablet (or transcribes a round held on paper
and keeps its scan with it, then finishes it like any other); finishing the round sets its
outcome from the findings (a 不適合 the office judges to need no remediation does not hold it
back), issues the 現地確認結果通知書 (a passed ⑦ with
nothing to report issues the 加入完了通知書 instead) and tells the subject
(``inspected.InspectedSubject``), which moves on with it in the same transaction. Every 不適合
in need of remediation becomes a deficiency; the company reports on each; the office accepts or
requires a re-inspection. A 現地確認 may be deemed done by an earlier audit result: its notice
says so and names the audit result.
"""

from .checklists import (
    checklist_item_delete,
    checklist_item_save,
    checklist_template_create,
    checklist_template_update,
    checklist_version_current,
    checklist_version_publish,
)
from .common import DEFAULT_DUE_DAYS, PURPOSE_OF_KIND
from .notices import inspection_result_snapshot, result_notice_issue
from .remediation import (
    audit_result_choose,
    audit_results_of,
    inspection_deem_by_audit,
    remediation_decide,
    remediation_report_file,
)
from .reminders import inspections_remind
from .rounds import (
    FindingInput,
    finding_input_check,
    inspection_ask_other_slots,
    inspection_finish,
    inspection_open,
    inspection_pick_slot,
    inspection_propose_slots,
    inspection_record,
    inspection_record_on_paper,
    require_own_round,
)

__all__ = [
    "DEFAULT_DUE_DAYS",
    "PURPOSE_OF_KIND",
    "FindingInput",
    "audit_result_choose",
    "audit_results_of",
    "checklist_item_delete",
    "checklist_item_save",
    "checklist_template_create",
    "checklist_template_update",
    "checklist_version_current",
    "checklist_version_publish",
    "finding_input_check",
    "inspection_ask_other_slots",
    "inspection_deem_by_audit",
    "inspection_finish",
    "inspection_open",
    "inspection_pick_slot",
    "inspection_propose_slots",
    "inspection_record",
    "inspection_record_on_paper",
    "inspection_result_snapshot",
    "inspections_remind",
    "remediation_decide",
    "remediation_report_file",
    "require_own_round",
    "result_notice_issue",
]

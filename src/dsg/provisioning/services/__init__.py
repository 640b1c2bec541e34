"""Use cases of ③–⑥, one module per topic; every public service is importable from here."""

from .accounts import (
    account_delivery_create,
    account_delivery_for,
    account_delivery_open,
    account_delivery_reissue_request,
    account_link_days,
    token_hash,
)
from .appointments import (
    PROPOSE_STATES,
    appointment_cancel,
    appointment_confirm,
    appointment_mark_done,
    appointment_propose,
    appointment_request_other_date,
    holder_of_appointment,
)
from .common import PROVISIONING_STATES, provisioning_of
from .line import construction_complete, router_identity_record, router_install
from .media import MEDIA_STATES, media_receive, media_ship
from .setup import (
    account_holder_add,
    account_holders_from_application,
    account_issue,
    connection_test_record,
    terminal_register,
    vein_registration_record,
)
from .survey import ancillary_work_add, ancillary_work_mark_done, survey_record

__all__ = [
    "MEDIA_STATES",
    "PROPOSE_STATES",
    "PROVISIONING_STATES",
    "account_delivery_create",
    "account_delivery_for",
    "account_delivery_open",
    "account_delivery_reissue_request",
    "account_holder_add",
    "account_holders_from_application",
    "account_issue",
    "account_link_days",
    "ancillary_work_add",
    "ancillary_work_mark_done",
    "appointment_cancel",
    "appointment_confirm",
    "appointment_mark_done",
    "appointment_propose",
    "appointment_request_other_date",
    "connection_test_record",
    "construction_complete",
    "holder_of_appointment",
    "media_receive",
    "media_ship",
    "provisioning_of",
    "router_identity_record",
    "router_install",
    "survey_record",
    "terminal_register",
    "token_hash",
    "vein_registration_record",
]

"""Who does what at ③–⑥, and who sees the provisioning records.

The provider records the survey, the construction and the router, ships the setup media,
prepares the account information from the accepted application's account holders (of the
application it reads only those, the PSA and the contacts) and the vein registration; the
company's PSA confirms dates, marks its ancillary work done, adds an account holder after
acceptance (with a reason), receives the media, opens the account information or asks for it
again; the PSA and the delegate record the connection tests. Every record of ③–⑥
is seen with its case: by the company's people, the office, and the provider once the case is its.
The account holders (the application's アカウント利用者) and their account information are the
applicants' — the PSA's and the delegate's; a 利用者 reads the survey, the ancillary work and the
setup media of the case, not who holds an account.
"""

from __future__ import annotations

from dsg.appointments.models import register_purposes
from dsg.enrollment.models import Enrollment
from dsg.orgs.models import Role
from dsg.orgs.permissions import COMPANY_ROLES, Visibility, register, through

from .models import (
    AccountDelivery,
    AccountHolder,
    AncillaryWork,
    AppointmentPurpose,
    Provisioning,
    SetupMediaShipment,
    VeinRegistrationMethod,
)

ACTIONS = {
    "survey.record": {Role.PROVIDER_STAFF},
    "ancillary_work.add": {Role.PROVIDER_STAFF},
    "ancillary_work.mark_done": {Role.PSA},
    "construction.complete": {Role.PROVIDER_STAFF},
    "router.install": {Role.PROVIDER_STAFF},
    "router.identify": {Role.PROVIDER_STAFF},
    "account_holder.add": {Role.PSA},
    "account.issue": {Role.PROVIDER_STAFF},
    "vein_registration.record": {Role.PROVIDER_STAFF},
    "appointment.propose": {Role.PROVIDER_STAFF},
    "appointment.respond": {Role.PSA},
    "appointment.close": {Role.PROVIDER_STAFF},
    "media.ship": {Role.PROVIDER_STAFF},
    "media.receive": {Role.PSA},
    "account_delivery.create": {Role.PROVIDER_STAFF},
    "account_delivery.open": {Role.PSA},
    "account_delivery.reissue_request": {Role.PSA},
    # What the provider reads of the accepted application to create the accounts (the PSA, the
    # contacts and the account holders); the company and the office read it with the rest.
    "account_sheet.view": {
        Role.PROVIDER_STAFF,
        Role.PSA,
        Role.DELEGATE,
        Role.REVIEWER,
        Role.INSPECTOR,
    },
    "provider.tasks": {Role.PROVIDER_STAFF},
}


APPLICANTS = frozenset({Role.PSA, Role.DELEGATE})


def _with_its_case(path: str, company_roles: frozenset[str] = COMPANY_ROLES) -> Visibility:
    return Visibility(
        company=f"{path}__site__company",
        company_roles=company_roles,
        provider=through(path, Enrollment),
    )


def register_policy() -> None:
    register_purposes(dict(AppointmentPurpose.choices), modes=dict(VeinRegistrationMethod.choices))
    register(
        actions=ACTIONS,
        models={
            Provisioning: _with_its_case("enrollment"),
            AncillaryWork: _with_its_case("enrollment"),
            AccountHolder: _with_its_case("enrollment", APPLICANTS),
            SetupMediaShipment: _with_its_case("enrollment"),
            AccountDelivery: _with_its_case("enrollment", APPLICANTS),
        },
    )

"""The readiness page of a terminal: its set-up (recorded on the registry page) and its 接続テスト,
recorded here by the PSA or the delegate for a terminal added after 加入 (a terminal of step ⑥ is
tested at ⑥)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation
from dsg.orgs import permissions
from dsg.orgs.auth import request_user
from dsg.orgs.models import User
from dsg.registry.models import ConnectionTest, Terminal
from dsg.registry.selectors import LifeStage, terminal_get_for, terminal_life_stage

from .after import connection_test_done_message
from .forms import DateInput
from .readiness import added_terminal_test_record, terminals_added_by_requests, testers_of


class ConnectionTestForm(forms.Form):
    tester: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Tested by (実施者)"), queryset=User.objects.none()
    )
    tested_on = forms.DateField(label=_("Tested on"), widget=DateInput())
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Passed (合格)")), ("0", _("Failed (不合格)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, terminal: Terminal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tester = self.fields["tester"]
        assert isinstance(tester, forms.ModelChoiceField)
        tester.queryset = testers_of(terminal)
        self.fields["tested_on"].widget.attrs["max"] = timezone.localdate().isoformat()


@login_required
def added_terminal_readiness(request: HttpRequest, terminal_id: int) -> HttpResponse:
    user = request_user(request)
    terminal = terminal_get_for(user=user, pk=terminal_id)
    added = terminals_added_by_requests(terminal.site_id).filter(pk=terminal.pk).exists()
    may_record = added and permissions.may(user, "connection_test.record", terminal)
    form = ConnectionTestForm(request.POST or None, terminal=terminal)
    if request.method == "POST":
        if not permissions.may(user, "connection_test.record", terminal):
            raise RuleViolation(
                _("Your role is not allowed to do this."), code="forbidden", status=403
            )
        if form.is_valid():
            try:
                added_terminal_test_record(terminal=terminal, actor=user, **form.cleaned_data)
            except RuleViolation as refusal:
                if refusal.status in (403, 404):
                    raise
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, str(refusal.message)
                )
            else:
                terminal.refresh_from_db()
                messages.success(request, connection_test_done_message(terminal))
                back = reverse("added_terminal_readiness", args=[terminal.pk])
                return HttpResponseRedirect(back, status=303)
    stage = terminal_life_stage(terminal)
    tests = (
        ConnectionTest.objects.filter(terminal=terminal)
        .select_related("person")
        .order_by("-tested_on", "-recorded_at")
    )
    return render(
        request,
        "equipment/terminal_readiness.html",
        {
            "terminal": terminal,
            "stage": stage,
            "stage_label": LifeStage(stage).label,
            "tests": tests,
            "form": form,
            "may_record": may_record,
            "added": added,
            "may_set_up": permissions.may(user, "terminal.set_up", terminal),
        },
        status=422 if request.method == "POST" else 200,
    )

"""A page's form is the action's input serializer: the same limits, labels and messages."""

from __future__ import annotations

from django.http import QueryDict
from django.template.loader import render_to_string
from rest_framework import serializers

from governance.action_forms import ActionForm
from governance.actions import Action
from governance.errors import PermissionDenied, ValidationFailed


class WhistleInput(serializers.Serializer):
    agencies = serializers.ListField(child=serializers.IntegerField(min_value=1), label="Agencies")
    urgency = serializers.ChoiceField(
        choices=[("emergency", "Emergency"), ("routine", "Routine")], label="Urgency"
    )
    reason = serializers.CharField(max_length=20, label="Reason")
    public = serializers.BooleanField(default=False, label="Public")


ACTION = Action(
    name="tests.whistle", label="Whistle", input=WhistleInput, service=lambda **kw: kw, right="anyone",
    api="summons-list", page="stations:dashboard",
)  # fmt: skip


def post(**values: list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, vals in values.items():
        data.setlist(key, vals)
    return data


def test_valid_html_input_is_read_as_the_api_reads_json():
    form = ActionForm(
        ACTION, data=post(agencies=["3", "4"], urgency=["routine"], reason=["fence"], public=["on"])
    )
    assert form.is_valid()
    assert form.validated_data == {
        "agencies": [3, 4],
        "urgency": "routine",
        "reason": "fence",
        "public": True,
    }


def test_an_unticked_box_is_false_and_limits_are_the_serializers():
    form = ActionForm(ACTION, data=post(agencies=["3"], urgency=["routine"], reason=["x" * 21]))
    assert not form.is_valid()
    assert form.errors == {"reason": ["Ensure this field has no more than 20 characters."]}
    assert form.status == 400
    fields = {f.name: f for f in form}
    assert fields["reason"].attrs == {"maxlength": 20}
    assert fields["reason"].value == "x" * 21
    assert fields["reason"].errors == ["Ensure this field has no more than 20 characters."]
    assert fields["public"].chosen == set()


def test_fields_are_drawn_with_their_labels_and_kinds():
    form = ActionForm(ACTION, choices={"agencies": [(3, "司法所"), (4, "派出所")]})
    fields = {f.name: (f.label, f.kind) for f in form}
    assert fields == {
        "agencies": ("Agencies", "checkboxes"),
        "urgency": ("Urgency", "select"),
        "reason": ("Reason", "text"),
        "public": ("Public", "checkbox"),
    }
    html = render_to_string("governance/_action_form.html", {"form": form, "action": "/x/"})
    assert 'name="agencies" value="3"' in html and "司法所" in html
    assert 'maxlength="20"' in html


def test_a_services_refusal_goes_back_on_its_field_or_above_the_form():
    def refuse(_: dict) -> None:
        raise ValidationFailed("Not valid.", fields={"reason": ["Say more."]})

    form = ActionForm(ACTION, data=post(agencies=["3"], urgency=["routine"], reason=["fence"]))
    assert form.submit(refuse) is False
    assert form.errors == {"reason": ["Say more."]}
    assert form.non_field_errors == []

    def deny(_: dict) -> None:
        raise PermissionDenied("You may not.")

    form = ActionForm(ACTION, data=post(agencies=["3"], urgency=["routine"], reason=["fence"]))
    assert form.submit(deny) is False
    assert form.non_field_errors == ["You may not."]
    assert form.status == 403


def test_a_prefix_keeps_several_forms_of_one_page_apart():
    data = post(**{"a-reason": ["one"], "a-urgency": ["routine"], "a-agencies": ["1"], "b-reason": ["two"]})
    form = ActionForm(ACTION, data=data, prefix="a")
    assert form.is_valid()
    assert form.validated_data["reason"] == "one"
    assert [f.html_name for f in form][:1] == ["a-agencies"]


def test_fields_the_page_fills_itself_are_never_read_from_the_request():
    data = post(agencies=["9"], urgency=["routine"], reason=["fence"])
    form = ActionForm(ACTION, data=data, initial={"agencies": ["3"]}, exclude=["agencies"])
    assert form.is_valid()
    assert form.validated_data["agencies"] == [3]
    assert [f.name for f in form] == ["urgency", "reason", "public"]

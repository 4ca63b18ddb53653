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
    # A one-button form says it all above the page: the service's sentence, then each labelled field.
    assert form.all_errors == ["Not valid.", "Reason: Say more."]

    def deny(_: dict) -> None:
        raise PermissionDenied("You may not.")

    form = ActionForm(ACTION, data=post(agencies=["3"], urgency=["routine"], reason=["fence"]))
    assert form.submit(deny) is False
    assert form.non_field_errors == ["You may not."]
    assert form.all_errors == ["You may not."]
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


def test_an_excluded_field_without_a_value_of_the_page_is_not_read_either():
    data = post(agencies=["9"], urgency=["routine"], reason=["fence"], public=["on"])
    form = ActionForm(ACTION, data=data, exclude=["public"])
    assert form.is_valid()
    assert form.validated_data["public"] is False


def test_an_input_left_empty_is_a_field_not_given():
    form = ActionForm(ACTION, data=post(agencies=["3"], urgency=[""], reason=["  "]))
    assert not form.is_valid()
    assert form.errors == {"urgency": ["This field is required."], "reason": ["This field is required."]}


class ClearableInput(serializers.Serializer):
    floor = serializers.FloatField(required=False, allow_null=True, label="Floor")


def test_an_input_emptied_of_a_field_that_takes_null_is_a_value_cleared():
    action = Action(
        name="tests.clear", label="Clear", input=ClearableInput, service=lambda **kw: kw, right="anyone",
        api="summons-list", page="stations:dashboard",
    )  # fmt: skip
    form = ActionForm(action, data=post(floor=[""]))
    assert form.is_valid(), form.errors
    assert form.validated_data == {"floor": None}
    # Not posted at all is not given: the override stays as it was.
    form = ActionForm(action, data=post())
    assert form.is_valid(), form.errors
    assert form.validated_data == {}


class ItemInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("a", "A"), ("b", "B")], default="a", label="Kind")
    owner = serializers.IntegerField(label="Owner")
    text = serializers.CharField(max_length=5, label="Text")
    note = serializers.CharField(max_length=20, required=False, allow_blank=True, default="", label="Note")


class ListInput(serializers.Serializer):
    title = serializers.CharField(max_length=20, label="Title")
    items = ItemInput(many=True, label="Items")


ROWS = Action(
    name="tests.rows", label="Rows", input=ListInput, service=lambda **kw: kw, right="anyone",
    api="summons-list", page="stations:dashboard",
)  # fmt: skip


def test_rows_are_read_as_a_list_and_blank_rows_are_skipped():
    data = post(
        title=["list"],
        **{"items-0-kind": ["b"], "items-0-owner": ["7"], "items-0-text": ["ab"]},
        # A row whose only value is the choice the page preset is a row left blank.
        **{"items-1-kind": ["a"], "items-1-owner": [""], "items-1-text": [""], "items-1-note": [""]},
        **{"items-2-kind": ["a"], "items-2-owner": ["8"], "items-2-text": ["cd"], "items-2-note": ["x"]},
    )
    form = ActionForm(ROWS, data=data)
    assert form.is_valid(), form.errors
    assert [dict(i) for i in form.validated_data["items"]] == [
        {"kind": "b", "owner": 7, "text": "ab", "note": ""},
        {"kind": "a", "owner": 8, "text": "cd", "note": "x"},
    ]


def test_a_rows_errors_stand_on_its_own_inputs_and_every_row_is_drawn_again():
    values = {
        "title": ["list"],
        **{"items-0-owner": ["7"], "items-0-text": ["ab"]},
        **{"items-1-owner": [""], "items-1-text": [""]},
        **{"items-2-owner": [""], "items-2-text": ["toolong"]},
    }
    form = ActionForm(ROWS, data=post(**{f"p-{k}": v for k, v in values.items()}), prefix="p")
    assert not form.is_valid()
    rows = form.fields["items"].rows
    assert [r.index for r in rows] == [0, 1, 2]
    assert not rows[0].errors and not rows[1].errors
    assert rows[2].cells["owner"].errors == ["This field is required."]
    assert rows[2].cells["text"].errors == ["Ensure this field has no more than 5 characters."]
    assert rows[2].cells["text"].value == "toolong"
    assert rows[2].cells["text"].html_name == "p-items-2-text"
    assert form.errors["items"] == ["Correct the rows marked below."]
    html = render_to_string("governance/_action_form.html", {"form": form, "action": "/x/"})
    assert 'name="p-items-2-text"' in html and 'data-field="items-2-owner"' in html


def test_rows_start_from_the_pages_values_with_blank_rows_under_them():
    form = ActionForm(
        ROWS,
        initial={"items": [{"kind": "b", "owner": 3, "text": "x"}]},
        extra_rows={"items": 2},
        choices={"items.owner": [(3, "Zhang"), (4, "Li")]},
    )
    rows = form.fields["items"].rows
    assert len(rows) == 3
    assert (rows[0].cells["kind"].value, rows[0].cells["owner"].value) == ("b", "3")
    assert rows[0].cells["owner"].kind == "select"
    assert rows[0].cells["owner"].choices == [("3", "Zhang"), ("4", "Li")]
    assert rows[2].cells["text"].value == ""


def test_no_row_filled_in_is_the_empty_list_or_the_lists_own_error():
    data = post(title=["list"], **{"items-0-owner": [""], "items-0-text": [""]})
    form = ActionForm(ROWS, data=data)
    assert form.is_valid(), form.errors
    assert form.validated_data == {"title": "list", "items": []}

    class OneAtLeast(serializers.Serializer):
        items = ItemInput(many=True, allow_empty=False, label="Items")

    action = Action(
        name="tests.one", label="One", input=OneAtLeast, service=lambda **kw: kw, right="anyone",
        api="summons-list", page="stations:dashboard",
    )  # fmt: skip
    form = ActionForm(action, data=data)
    assert not form.is_valid()
    assert form.errors == {"items": ["This list may not be empty."]}
    # The declaration itself is untouched: the API still asks for the list.
    assert OneAtLeast(data={}).is_valid() is False and ListInput(data={"title": "x"}).is_valid() is False


def test_only_a_translated_help_text_is_shown_to_people():
    from django.utils.translation import gettext_lazy

    class WithHelp(serializers.Serializer):
        person = serializers.IntegerField(label="Person", help_text="User id of a station staff member.")
        reason = serializers.CharField(label="Reason", help_text=gettext_lazy("Say why."))

    action = Action(
        name="tests.help", label="Help", input=WithHelp, service=lambda **kw: kw, right="anyone",
        api="summons-list", page="stations:dashboard",
    )  # fmt: skip
    fields = ActionForm(action).fields
    assert fields["person"].help_text == ""  # the API's note for developers
    assert fields["reason"].help_text == "Say why."

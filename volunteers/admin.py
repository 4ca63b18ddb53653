from django.contrib import admin
from django.http import HttpRequest

from governance.admin import AuditedAdmin
from volunteers.models import (
    Claim,
    Course,
    Lesson,
    PointsEntry,
    QuizQuestion,
    RewardItem,
    Task,
    Team,
    Volunteer,
)


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "agency", "region", "active"]
    list_filter = ["active"]
    autocomplete_fields = ["agency", "region", "leaders"]


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    extra = 0


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["title", "pass_mark", "active"]
    inlines = [LessonInline, QuizQuestionInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their services (the pages and the API)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "status", "star", "hours_12m"]
    list_filter = ["status", "star"]
    # Personal data: the admin shows the masked forms only.
    exclude = ["real_name", "phone"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "team", "kind", "starts_at", "capacity", "taken", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "claimed_at", "checked_in_at", "minutes", "verified_at"]
    list_filter = ["status"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "volunteer", "kind", "amount", "reason"]
    list_filter = ["kind"]


@admin.register(RewardItem)
class RewardItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "agency", "price", "stock", "active"]

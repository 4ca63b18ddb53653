"""The peace index API: a township's ranking and its review, a village's portrait, methodology
versions, recomputation runs and the imports of outside data. A region the caller may not see
answers 404; one he sees but may not act on, 403 (the service decides)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.serializers import IDEMPOTENCY_KEY
from governance.errors import NotFound
from governance.idempotency import key_of, replay_headers
from governance.models import Region
from peace_index import services
from peace_index.api import serializers as s
from peace_index.models import ImportBatch, MethodVersion, RecomputeRun, TownshipReview, VillageScore
from peace_index.selectors import (
    month_asked,
    township_ranking,
    user_may_manage,
    user_may_view,
    versions_of,
    village_portrait,
)

MONTH = OpenApiParameter("month", str, description="YYYY-MM; the latest scored month when omitted.")
L = Region.Level


def _visible(request: Request, pk: int, level: int) -> Region:
    region = get_object_or_404(Region, pk=pk, level=level)
    if not user_may_view(request.user, region):
        raise NotFound(_("Not found."))
    return region


def _managed(request: Request, pk: int) -> Region:
    county = get_object_or_404(Region, pk=pk, level=L.COUNTY)
    if not user_may_manage(request.user, county):
        raise NotFound(_("Not found."))
    return county


def _input(view: GenericAPIView, serializer_class: type) -> dict[str, Any]:
    serializer = serializer_class(data=view.request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TownshipRankingView(GenericAPIView):
    queryset = VillageScore.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceRankingSerializer

    @extend_schema(parameters=[MONTH], summary="A township's villages ranked by the month's score")
    def get(self, request: Request, pk: int) -> Response:
        town = _visible(request, pk, L.TOWNSHIP)
        month = month_asked(request.query_params.get("month"), town)
        return Response(s.PeaceRankingSerializer(township_ranking(town, month)).data)


class TownshipReviewView(GenericAPIView):
    queryset = TownshipReview.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceReviewInputSerializer

    @extend_schema(
        responses={200: s.PeaceReviewSerializer}, summary="Approve (freeze) or return a township's month"
    )
    def post(self, request: Request, pk: int) -> Response:
        town = _visible(request, pk, L.TOWNSHIP)
        d = _input(self, s.PeaceReviewInputSerializer)
        review = services.review_decide(
            actor=request.user,
            township=town,
            month=d["month"],
            approve=d["decision"] == "approve",
            comment=d["comment"],
        )
        return Response(s.PeaceReviewSerializer(review).data)


class VillagePortraitView(GenericAPIView):
    queryset = VillageScore.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeacePortraitSerializer

    @extend_schema(
        parameters=[MONTH], summary="A village's safety portrait with the decomposition of its score"
    )
    def get(self, request: Request, pk: int) -> Response:
        village = _visible(request, pk, L.VILLAGE)
        month = month_asked(request.query_params.get("month"), village)
        return Response(s.PeacePortraitSerializer(village_portrait(village, month)).data)


class VersionListView(GenericAPIView):
    queryset = MethodVersion.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceVersionSerializer

    @extend_schema(
        responses={200: s.PeaceVersionSerializer(many=True)}, summary="Methodology versions of a county"
    )
    def get(self, request: Request, pk: int) -> Response:
        county = _managed(request, pk)
        return Response(s.PeaceVersionSerializer(versions_of(county), many=True).data)

    @extend_schema(
        request=s.PeaceVersionInputSerializer,
        responses={201: s.PeaceVersionSerializer},
        summary="A new draft",
    )
    def post(self, request: Request, pk: int) -> Response:
        county = _managed(request, pk)
        d = _input(self, s.PeaceVersionInputSerializer)
        version = services.version_draft_create(
            actor=request.user, county=county, name=d["name"], params=d.get("params"), note=d["note"]
        )
        return Response(s.PeaceVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDetailView(GenericAPIView):
    queryset = MethodVersion.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceVersionSerializer

    def _version(self, request: Request, pk: int) -> MethodVersion:
        version = get_object_or_404(MethodVersion, pk=pk)
        _managed(request, version.county_id)
        return version

    @extend_schema(summary="One methodology version")
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.PeaceVersionSerializer(self._version(request, pk)).data)

    @extend_schema(
        request=s.PeaceVersionEditSerializer,
        summary="Change a draft: any of its name, note and method fields (the others are kept)",
    )
    def patch(self, request: Request, pk: int) -> Response:
        version = self._version(request, pk)
        version.require_draft()  # a published version is frozen, whatever the input
        serializer = s.PeaceVersionEditSerializer(
            data=request.data, partial=True, context={"version": version, "request": request}
        )
        serializer.is_valid(raise_exception=True)
        version = services.version_draft_update(
            actor=request.user, version=version, **serializer.validated_data
        )
        return Response(s.PeaceVersionSerializer(version).data)


class VersionPublishView(GenericAPIView):
    queryset = MethodVersion.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceRunSerializer

    @extend_schema(
        request=None,
        responses={202: s.PeaceRunSerializer},
        summary="Publish a draft; earlier months are recomputed",
    )
    def post(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(MethodVersion, pk=pk)
        _managed(request, version.county_id)
        run = services.version_publish(actor=request.user, version=version)
        assert run is not None  # recomputation is always asked for here
        return Response(s.PeaceRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RecomputeView(GenericAPIView):
    queryset = RecomputeRun.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceRecomputeInputSerializer

    @extend_schema(
        responses={202: s.PeaceRunSerializer}, summary="Recompute all villages of a county (scores queue)"
    )
    def post(self, request: Request, pk: int) -> Response:
        county = _managed(request, pk)
        d = _input(self, s.PeaceRecomputeInputSerializer)
        run = services.recompute_start(actor=request.user, county=county, months=d.get("months"))
        return Response(s.PeaceRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunView(GenericAPIView):
    queryset = RecomputeRun.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceRunSerializer

    @extend_schema(summary="Progress of a recomputation run")
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(RecomputeRun, pk=pk)
        _managed(request, run.county_id)
        return Response(s.PeaceRunSerializer(run).data)


class ImportView(GenericAPIView):
    queryset = ImportBatch.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceImportInputSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.PeaceImportResultSerializer, 201: s.PeaceImportResultSerializer},
        summary="Deliver criminal cases, petitions or survey results for whole months",
    )
    def post(self, request: Request, pk: int) -> Response:
        county = _managed(request, pk)
        d = _input(self, s.PeaceImportInputSerializer)
        result = services.data_import(
            actor=request.user, county=county, source=d["dataset"], first_month=d["first_month"],
            last_month=d["last_month"], rows=[(i + 1, row) for i, row in enumerate(d["rows"])],
            file_name="api", idempotency_key=key_of(request), dry_run=d["dry_run"],
            confirm_removals=d["confirm_removals"],
        )  # fmt: skip
        return Response(
            s.PeaceImportResultSerializer(result).data,
            status=status.HTTP_200_OK if d["dry_run"] else status.HTTP_201_CREATED,
            headers=replay_headers(result.created),
        )


class ImportFileView(GenericAPIView):
    queryset = ImportBatch.objects.none()  # for the schema; regions are checked per request
    serializer_class = s.PeaceImportFileSerializer

    @extend_schema(
        request={"multipart/form-data": s.PeaceImportFileSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={200: s.PeaceImportResultSerializer, 201: s.PeaceImportResultSerializer},
        summary="Deliver a file (CSV or XLSX) of criminal cases, petitions or survey results",
    )
    def post(self, request: Request, pk: int) -> Response:
        county = _managed(request, pk)
        d = _input(self, s.PeaceImportFileSerializer)
        upload = d["file"]
        result = services.data_import_file(
            actor=request.user, county=county, source=d["source"], first_month=d["first_month"],
            last_month=d["last_month"], file_name=upload.name, content=upload.read(),
            idempotency_key=key_of(request), dry_run=d["dry_run"], confirm_removals=d["confirm_removals"],
        )  # fmt: skip
        return Response(
            s.PeaceImportResultSerializer(result).data,
            status=status.HTTP_200_OK if d["dry_run"] else status.HTTP_201_CREATED,
            headers=replay_headers(result.created),
        )

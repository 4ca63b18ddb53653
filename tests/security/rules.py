"""The expected answers of the URL permission matrix (see test_url_matrix.py for the letters).

Roles, in order: anonymous, volunteer, grid worker, officer of another station, officer of this
station, mediator, township official of another township, township official, county admin.
A new URL pattern fails the matrix until it has a line here; set URL_MATRIX_RECORD=<file> to
have the observed answers written out, then check each letter against DESIGN.md section 8
before copying it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Every admin page: none of the matrix's roles is staff; each is sent to the admin's login.
ADMIN_RULE = {"GET": "n n n n n n n n n", "POST": "n n n n n n n n n"}

RULES: dict[str, dict[str, str]] = {
    # The admin's own login and logout answer everyone.
    "admin:login": {"GET": "y y y y y y y y y", "POST": "y y y y y y y y y"},
    "admin:logout": {"GET": "y y y y y y y y y", "POST": "y y y y y y y y y"},
    # --- Governance pages, health, accounts ----------------------------------------------------------
    # A logout (and a logout refused for want of a session) both end on the login page: ``n``.
    # readyz answers 503 in tests: no worker heartbeat.
    "home": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    "inbox": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    "inbox-mark-read": {"GET": "n - - - - - - - -", "POST": "n y y y y y y y y"},
    # A person's page, as the API's person-detail; unmasking with a reason as the API's.
    "person-page": {"GET": "n n n n y n n y y", "POST": "n n n n y n n y y"},
    "person-page-unmask": {"GET": "n - - - - - - - -", "POST": "n n n n w n n n w"},
    "healthz": {"GET": "y y y y y y y y y", "POST": "- - - - - - - - -"},
    "readyz": {"GET": "u u u u u u u u u", "POST": "- - - - - - - - -"},
    "login": {"GET": "y y y y y y y y y", "POST": "y y y y y y y y y"},
    "logout": {"GET": "- - - - - - - - -", "POST": "n n n n n n n n n"},
    "password_change": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    "password_change_done": {"GET": "n y y y y y y y y", "POST": "n - - - - - - - -"},
    # Two factors are optional by default (OTP_REQUIRED_ROLES empty): anyone logged in may set up
    # an authenticator; the code page sends one without an authenticator to the setup.
    "two-factor-setup": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "two-factor-verify": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    # API tokens: everyone sees his own; the county admin also those of his jurisdiction. The world's
    # token is the grid worker's: he and the county admin revoke it, nobody else finds it.
    "tokens": {"GET": "n y y y y y y y y", "POST": "- - - - - - - - -"},
    "token-revoke": {"GET": "- - - - - - - - -", "POST": "n n w n n n n n w"},
    "set_language": {"GET": "y y y y y y y y y", "POST": "y y y y y y y y y"},
    # --- Governance API ------------------------------------------------------------------------------
    # Anyone logged in lists what their jurisdiction covers (an empty list outside it); objects of
    # township A are refused to the other station and the other township. Unmasking (with a reason)
    # is for police and the county: not for a township official (ROLE_CAPABILITIES).
    # Who saw which personal data: the county administrator (audit.view) only.
    "personal-data-access": {"GET": "n n n n n n n n y"},
    "me": {"GET": "n y y y y y y y y"},
    "auth-token": {"POST": "b b b b b b b b b"},
    "region-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "region-detail": {"GET": "n n y n y y n y y"},
    "agency-list": {"GET": "n y y y y y y y y"},
    "agency-detail": {"GET": "n n y n y y n y y"},
    "membership-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "membership-detail": {"GET": "n n n n n n n n y"},
    "person-list": {"GET": "n y y y y y y y y"},
    "person-detail": {"GET": "n n n n y n n y y"},
    "person-unmask": {"POST": "n n n n w n n n w"},
    "notification-list": {"GET": "n y y y y y y y y"},
    "notification-read": {"POST": "n y y y y y y y y"},
    "notification-detail": {"GET": "n n n n y n n n n"},
    "api-root": {"GET": "n y y y y y y y y"},
    "api-token-list": {"GET": "n y y y y y y y y"},
    "api-token-revoke": {"POST": "n n w n n n n n w"},
    # --- Stations API --------------------------------------------------------------------------------
    # Orders and summonses of station A: its officer only (the summoned agencies are not in the
    # matrix). An empty alert is refused for its input whoever sends it (every role may report).
    "alert-list": {"POST": "n b b b b b b b b"},
    "order-list": {"GET": "n y y y y y y y y"},
    "order-detail": {"GET": "n n n n y n n n n"},
    "order-step": {"POST": "n n n n b n n n n"},
    "order-redispatch": {"POST": "n n n n b n n n n"},
    # Village-first response: the grid worker reports for the world's village (an empty report is
    # refused, 400); nobody else is of that village (404).
    "village-order-list": {"GET": "n y y y y y y y y"},
    "village-order-detail": {"GET": "n n y n n n n n n"},
    "village-order-report": {"POST": "n n b n n n n n n"},
    # The duty roster, as its page: the week's shifts of one's own stations (an empty list for
    # others); a shift of station A seen and removed by its staff only.
    "duty-shift-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "duty-shift-detail": {"GET": "n n n n y n n n n", "DELETE": "n n n n w n n n n"},
    "summons-list": {"GET": "n n y y y y y y y", "POST": "n n b b b b b b b"},
    "summons-detail": {"GET": "n n n n y n n n n"},
    "summons-check-in": {"POST": "n n n n n n n n n"},
    "summons-handle": {"POST": "n n n n b n n n n"},
    "summons-reopen": {"POST": "n n n n b n n n n"},
    "summons-verify": {"POST": "n n n n b n n n n"},
    # Keys of integrating systems: the county administrator only.
    "integration-client-list": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "integration-client-revoke": {"POST": "n n n n n n n n w"},
    # --- Disputes API --------------------------------------------------------------------------------
    # The case of village A1: seen by the grid worker who registered it, station A's officer, its
    # mediator, township A's official and the county; never by the other station or township.
    # ``b``: the case's actions read their input before the service checks the right, so an empty
    # body is refused as invalid for everyone who sees the case (each app's tests check the rights).
    "dispute-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "dispute-detail": {"GET": "n n y n y y n y y"},
    "dispute-accept": {"POST": "n n n n b n n b b"},
    "dispute-agencies": {"POST": "n n b n b b n b b"},
    "dispute-agreement": {"POST": "n n b n b b n b b"},
    "dispute-agreement-sign": {"POST": "n n b n b b n b b"},
    "dispute-escalate": {"POST": "n n b n b b n b b"},
    "dispute-extend": {"POST": "n n b n b b n b b"},
    "dispute-follow-ups": {"POST": "n n b n b b n b b"},
    "dispute-judicial-confirmation": {"POST": "n n b n b b n b b"},
    "dispute-judicial-confirmation-answer": {"POST": "n n b n b b n b b"},
    "dispute-mediator-proposals": {"GET": "n n n n y n n y y"},
    "dispute-mediator-recuse": {"POST": "n n b n b b n b b"},
    "dispute-mediators": {"POST": "n n b n b b n b b"},
    "dispute-obligation-breach": {"POST": "n n b n b b n b b"},
    "dispute-obligation-perform": {"POST": "n n n n w w n w w"},
    "dispute-parties": {"POST": "n n b n b b n b b"},
    "dispute-parties-import": {"POST": "n n b n b b n b b"},
    "dispute-party-consent": {"POST": "n n b n b b n b b"},
    "dispute-party-progress": {"POST": "n n b n b b n b b"},
    "dispute-party-unmask": {"POST": "n n n n w w n n w"},
    "dispute-reopen": {"POST": "n n b n b b n b b"},
    "dispute-sessions": {"POST": "n n b n b b n b b"},
    "dispute-task-done": {"POST": "n n b n b b n b b"},
    "dispute-tasks": {"POST": "n n b n b b n b b"},
    "dispute-terminate": {"POST": "n n b n b b n b b"},
    "dispute-triage": {"POST": "n n b n b b n b b"},
    "mediator-list": {"GET": "n n n y y n y y y"},
    "screening-campaign-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "screening-campaign-detail": {"GET": "n n y n y n n y y"},
    "screening-campaign-assignments": {"POST": "n n b n b n n b b"},
    "screening-assignment-list": {"GET": "n y y y y y y y y"},
    "screening-assignment-visits": {"POST": "n n b n b n n b b"},
    # --- Volunteers API ------------------------------------------------------------------------------
    # Station A's team: its volunteer, station A's officer, township A's official and the county.
    # The volunteer's own claim, redemption and shop; managers vet, verify and hand over.
    "volunteer-figures": {"GET": "n n n n y n n y y"},
    "volunteer-team-list": {"GET": "n y y y y y y y y"},
    "volunteer-team-detail": {"GET": "n y n n y n n y y"},
    "volunteer-team-leaderboard": {"GET": "n y n n y n n y y"},
    "volunteer-list": {"GET": "n y y y y y y y y"},
    "volunteer-apply": {"POST": "n b b b b b b b b"},
    "volunteer-me": {"GET": "n y n n n n n n n"},
    "volunteer-detail": {"GET": "n y n n y n n y y"},
    "volunteer-activate": {"POST": "n n n n b n n b b"},
    "volunteer-points-adjust": {"POST": "n b n n b n n b b"},
    "volunteer-reject": {"POST": "n n n n b n n b b"},
    "volunteer-retire": {"POST": "n b n n b n n b b"},
    "volunteer-suspend": {"POST": "n b n n b n n b b"},
    "volunteer-unmask": {"POST": "n n n n w n n n w"},
    "volunteer-vet": {"POST": "n n n n w n n w w"},
    "volunteer-task-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "volunteer-task-detail": {"GET": "n y n n y n n y y", "PATCH": "n n n n y n n y y"},
    "volunteer-task-cancel": {"POST": "n n n n b n n b b"},
    "volunteer-task-claim": {"POST": "n y n n n n n n n"},
    "volunteer-claim-list": {"GET": "n y y y y y y y y"},
    "volunteer-claim-detail": {"GET": "n y n n y n n y y"},
    "volunteer-claim-cancel": {"POST": "n w n n n n n n n"},
    # Without a position the service refuses the volunteer (400); another's claim is not found.
    "volunteer-claim-check-in": {"POST": "n b n n n n n n n"},
    "volunteer-claim-check-out": {"POST": "n b n n n n n n n"},
    "volunteer-claim-no-show": {"POST": "n n n n b n n b b"},
    "volunteer-claim-verify": {"POST": "n n n n b n n b b"},
    "volunteer-claim-withdraw": {"POST": "n b n n n n n n n"},
    "volunteer-points-list": {"GET": "n y y y y y y y y"},
    "reward-item-list": {"GET": "n y y y y y y y y"},
    "reward-item-detail": {"GET": "n y n n n n n n n"},
    "reward-item-redeem": {"POST": "n w n n n n n n n"},
    "redemption-list": {"GET": "n y y y y y y y y"},
    "redemption-detail": {"GET": "n y n n y n n y y"},
    "redemption-cancel": {"POST": "n w n n w n n w w"},
    "redemption-collect": {"POST": "n n n n w n n w w"},
    "shop-item-list": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    "shop-item-detail": {"GET": "n n n n y n n y y"},
    "shop-item-restock": {"POST": "n n n n b n n b b"},
    "shop-item-price": {"POST": "n n n n b n n b b"},
    "shop-item-withdraw": {"POST": "n n n n b n n b b"},
    "volunteer-course-list": {"GET": "n y y y y y y y y"},
    "volunteer-course-detail": {"GET": "n y y y y y y y y"},
    # No answers: "Answer every question." to the volunteer; only volunteers take courses (403).
    "volunteer-course-quiz": {"POST": "n b n n n n n n n"},
    "volunteers:home": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    "volunteers:apply": {"GET": "n y y y y y y y y", "POST": "n y b b b b b b b"},
    "volunteers:claim": {"GET": "n - - - - - - - -", "POST": "n y n n n n n n n"},
    "volunteers:claims": {"GET": "n y n n n n n n n", "POST": "n y n n n n n n n"},
    "volunteers:check-in": {"GET": "n - - - - - - - -", "POST": "n y n n n n n n n"},
    "volunteers:check-out": {"GET": "n - - - - - - - -", "POST": "n y n n n n n n n"},
    "volunteers:cancel": {"GET": "n - - - - - - - -", "POST": "n w n n n n n n n"},
    "volunteers:withdraw": {"GET": "n - - - - - - - -", "POST": "n y n n n n n n n"},
    "volunteers:points": {"GET": "n y n n n n n n n", "POST": "n y n n n n n n n"},
    "volunteers:shop": {"GET": "n y n n n n n n n", "POST": "n y n n n n n n n"},
    "volunteers:redeem": {"GET": "n - - - - - - - -", "POST": "n w n n n n n n n"},
    "volunteers:redemption-cancel": {"GET": "n - - - - - - - -", "POST": "n w n n w n n w w"},
    "volunteers:team": {"GET": "n n n n y n n y y", "POST": "n n n n y n n y y"},
    "volunteers:team-member": {"GET": "n n n n y n n y y", "POST": "n n n n y n n y y"},
    # Unmasking a team member: police and the county, not the township official (no unmask right).
    "volunteers:team-member-unmask": {"GET": "n - - - - - - - -", "POST": "n n n n w n n n w"},
    "volunteers:team-task-cancel": {"GET": "n - - - - - - - -", "POST": "n n n n y n n y y"},
    "volunteers:course": {"GET": "n y n n n n n n n", "POST": "n y n n n n n n n"},
    "volunteers:quiz": {"GET": "n - - - - - - - -", "POST": "n b n n n n n n n"},
    # No certificate is earned in the world: the page is refused to everyone (an unknown id).
    "volunteers:certificate": {"GET": "n n n n n n n n n", "POST": "n n n n n n n n n"},
    # The offline service worker's script is a static file, public like the rest of /static/.
    "volunteers:service-worker": {"GET": "y y y y y y y y y", "POST": "- - - - - - - - -"},
    # A refusal of right is 403 on the page as on the API (one's own claim is visible, not one's to
    # verify; one's own redemption is not one's to hand over).
    "volunteers:team-verify": {"GET": "n - - - - - - - -", "POST": "n n n n y n n y y"},
    "volunteers:team-admit": {"GET": "n - - - - - - - -", "POST": "n n n n w n n w w"},
    "volunteers:team-collect": {"GET": "n - - - - - - - -", "POST": "n n n n w n n w w"},
    # The team leader's pages. The world's task has not started: a no-show is refused and the page
    # goes back to the team with the reason (as verifying does).
    "volunteers:team-task-new": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-task-edit": {"GET": "n n n n y n n y y", "POST": "n n n n y n n y y"},
    "volunteers:team-no-show": {"GET": "n - - - - - - - -", "POST": "n n n n y n n y y"},
    "volunteers:team-member-reject": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-member-suspend": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-member-retire": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-member-points": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    # The shop's keepers: station A's staff, the managers over its seat. Station B and township B
    # run shops of their own (their list is empty in the world).
    "volunteers:team-shop": {"GET": "n n n y y n y y y", "POST": "n - - - - - - - -"},
    "volunteers:team-shop-new": {"GET": "n n n y y n y y y", "POST": "n n n b b n b b b"},
    "volunteers:team-shop-restock": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-shop-price": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:team-shop-withdraw": {"GET": "n n n n y n n y y", "POST": "n n n n b n n b b"},
    "volunteers:training": {"GET": "n y n n n n n n n", "POST": "n y n n n n n n n"},
    "volunteers:figures": {"GET": "n n n n y n n y y", "POST": "n - - - - - - - -"},
    "volunteers:figures-csv": {"GET": "n n n n y n n y y", "POST": "n - - - - - - - -"},
    "volunteers:figures-xlsx": {"GET": "n n n n y n n y y", "POST": "n - - - - - - - -"},
    # --- Station pages -------------------------------------------------------------------------------
    # The station dashboard without an id is the caller's own station (the other officer sees his).
    # The commander board: the county here (commanders are not in the matrix).
    "stations:dashboard": {"GET": "n n n y y n n n n", "POST": "n n n y y n n n n"},
    "stations:station": {"GET": "n n n n y n n n n", "POST": "n n n n y n n n n"},
    "stations:open-orders": {"GET": "n n n n y n n n n", "POST": "n n n n y n n n n"},
    "stations:live": {"GET": "n n n n y n n n n", "POST": "n - - - - - - - -"},
    "stations:map": {"GET": "n n n n y n n n n", "POST": "n n n n y n n n n"},
    "stations:map-data": {"GET": "n n n n y n n n n", "POST": "n - - - - - - - -"},
    "stations:roster": {"GET": "n n n n y n n n n", "POST": "n n n n b n n n n"},
    "stations:roster-remove": {"GET": "n - - - - - - - -", "POST": "n n n n w n n n n"},
    "stations:order": {"GET": "n n n n y n n n n", "POST": "n n n n y n n n n"},
    "stations:order-step": {"GET": "n - - - - - - - -", "POST": "n n n n y n n n n"},
    "stations:order-redispatch": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n n"},
    "stations:alert-new": {"GET": "n y y y y y y y y", "POST": "n b b b b b b b b"},
    # The whistle's pages: station A's order and its summons, as the API (summons-detail) shows them.
    "stations:order-whistle": {"GET": "n n n n y n n n n", "POST": "n n n n b n n n n"},
    "stations:summons": {"GET": "n n n n y n n n n", "POST": "n n n n y n n n n"},
    "stations:summons-verify": {"GET": "n - - - - - - - -", "POST": "n n n n b n n n n"},
    "stations:summons-reopen": {"GET": "n - - - - - - - -", "POST": "n n n n b n n n n"},
    "stations:board": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n y"},
    "stations:board-orders": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n y"},
    "stations:coverage": {"GET": "n n n n n n y y y", "POST": "n n n n n n y y y"},
    "stations:figures": {"GET": "n n n y y n n n y", "POST": "n - - - - - - - -"},
    "stations:figures-csv": {"GET": "n n n y y n n n y", "POST": "n - - - - - - - -"},
    "stations:figures-xlsx": {"GET": "n n n y y n n n y", "POST": "n - - - - - - - -"},
    "stations:integrations": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "stations:integration-revoke": {"GET": "- - - - - - - - -", "POST": "n n n n n n n n w"},
    "stations:grid-home": {"GET": "n n y n n n y y n", "POST": "n n y n n n y y n"},
    "stations:grid-report": {"GET": "n n y n n n y y n", "POST": "n n b n n n b b n"},
    "stations:grid-whistle": {"GET": "n n y n n n y y n", "POST": "n n b n n n b b n"},
    "stations:grid-check-in": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n n"},
    "stations:grid-handle": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n n"},
    # The same answers from the whistle's page, for whoever is of a summoned agency.
    "stations:summons-target-check-in": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n n"},
    "stations:summons-target-handle": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n n"},
    "stations:village-order": {"GET": "n n y n n n n n n", "POST": "n - - - - - - - -"},
    "stations:village-order-report": {"GET": "n - - - - - - - -", "POST": "n n b n n n n n n"},
    # --- Dispute pages -------------------------------------------------------------------------------
    # HTML forms answer a refused or invalid form with the page (200 or 400) or a redirect; what
    # must not happen, a write by a role that is refused, is checked by the row counts.
    "disputes:ledger": {"GET": "n n y y y y y y y", "POST": "n - - - - - - - -"},
    "disputes:ledger-csv": {"GET": "n n y y y y y y y", "POST": "n - - - - - - - -"},
    "disputes:ledger-xlsx": {"GET": "n n y y y y y y y", "POST": "n - - - - - - - -"},
    "disputes:register": {"GET": "n n y y y y y y y", "POST": "n n b b b b b b b"},
    "disputes:grid-register": {"GET": "n n y y y y y y y", "POST": "n n b b b b b b b"},
    "disputes:mediators": {"GET": "n n y y y y y y y", "POST": "n - - - - - - - -"},
    "disputes:case": {"GET": "n n y n y y n y y", "POST": "n - - - - - - - -"},
    "disputes:case-action": {"GET": "n - - - - - - - -", "POST": "n n n n b b n b b"},
    "disputes:party-unmask": {"GET": "n - - - - - - - -", "POST": "n n n n w w n n w"},
    "disputes:agreement-print": {"GET": "n n n n y y n y y", "POST": "n - - - - - - - -"},
    "disputes:campaigns": {"GET": "n y y y y y y y y", "POST": "n n n b b n b b b"},
    "disputes:campaign": {"GET": "n n y n y n n y y", "POST": "n n n n b n n b b"},
    "disputes:visit": {"GET": "n n y n n n n n n", "POST": "n n b n n n n n n"},
    "disputes:my-screening": {"GET": "n y y y y y y y y", "POST": "n y y y y y y y y"},
    "disputes:figures": {"GET": "n n n y y n y y y", "POST": "n - - - - - - - -"},
    # --- Volunteer pages -----------------------------------------------------------------------------
    # --- Peace index ------------------------------------------------------------------------
    # Township A's scores: its official and the county; the county's methodology, imports and
    # recomputations: the county admin only. Other townships and the police roles see nothing.
    "peace:index": {"GET": "n n n n n n y y y", "POST": "n - - - - - - - -"},
    "peace:township": {"GET": "n n n n n n n y y", "POST": "n - - - - - - - -"},
    "peace:township-review": {"GET": "n - - - - - - - -", "POST": "n n n n n n n b n"},
    "peace:township-csv": {"GET": "n n n n n n n y y", "POST": "n - - - - - - - -"},
    "peace:township-xlsx": {"GET": "n n n n n n n y y", "POST": "n - - - - - - - -"},
    "peace:township-print": {"GET": "n n n n n n n y y", "POST": "n - - - - - - - -"},
    "peace:village": {"GET": "n n n n n n n y y", "POST": "n - - - - - - - -"},
    "peace:methods": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "peace:recompute": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n y"},
    "peace:imports": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "peace:version": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "peace:version-publish": {"GET": "n - - - - - - - -", "POST": "n n n n n n n n y"},
    "peace:run": {"GET": "n n n n n n n n y", "POST": "n - - - - - - - -"},
    "peace-township-ranking": {"GET": "n n n n n n n y y"},
    "peace-township-review": {"POST": "n n n n n n n b b"},
    "peace-village-portrait": {"GET": "n n n n n n n y y"},
    "peace-versions": {"GET": "n n n n n n n n y", "POST": "n n n n n n n n b"},
    "peace-recompute": {"POST": "n n n n n n n n y"},
    "peace-imports": {"POST": "n n n n n n n n b"},
    "peace-import-file": {"POST": "n n n n n n n n b"},
    "peace-version": {"GET": "n n n n n n n n y", "PATCH": "n n n n n n n n b"},
    "peace-version-publish": {"POST": "n n n n n n n n y"},
    "peace-run": {"GET": "n n n n n n n n y"},
    # --- Open311, schema and API docs ----------------------------------------------------------------
    # Open311 requests need a hotline system's key, never a session: refused to every role.
    # The OpenAPI schema and its viewers are public (drf-spectacular's default): they list the
    # endpoints, never data.
    "open311:services": {"GET": "y y y y y y y y y", "POST": "- - - - - - - - -"},
    "open311:discovery": {"GET": "y y y y y y y y y", "POST": "- - - - - - - - -"},
    "open311:service": {"GET": "y y y y y y y y y", "POST": "- - - - - - - - -"},
    "open311:requests": {"GET": "n n n n n n n n n", "POST": "n n n n n n n n n"},
    "open311:request": {"GET": "n n n n n n n n n", "POST": "- - - - - - - - -"},
    "schema": {"GET": "y y y y y y y y y"},
    "api-docs": {"GET": "y y y y y y y y y"},
    "api-redoc": {"GET": "y y y y y y y y y"},
}

# Unsafe requests are sent empty, except where an empty body would be refused before the
# permission is checked and the permission matters most: unmasking personal data.
_UNMASK = {"field": "phone", "reason": "核实当事人身份以便联系"}
BODIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "person-unmask": lambda k: _UNMASK,
    "person-page-unmask": lambda k: _UNMASK,
    "dispute-party-unmask": lambda k: _UNMASK,
    "volunteer-unmask": lambda k: _UNMASK,
    "volunteers:team-member-unmask": lambda k: _UNMASK,
    "disputes:party-unmask": lambda k: (
        {"unmask-party": k["party_id"]} | {f"unmask-{n}": v for n, v in _UNMASK.items()}
    ),
}

"""
Four real desk connectors (Jira, Zendesk, ServiceNow, Salesforce) on one runtime, faked only at
their HTTP boundary with ``responses``, and deliveries shaped like each vendor's own.

The company is ``tests.integration.playbooks.world``'s (Maria manages Bob; Olivia owns the
Salesforce application). Each person has an id on every desk; the desks' user APIs answer for
them from ``PEOPLE`` through ``responses`` callbacks, the way the vendors shape those answers.
The outbox is never sent (``settle(..., writeback_rows=False)``): the tests look at the
directory and the database, not at the notes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from sqlalchemy import select

from connectors.desks import DeskClient
from connectors.desks.jira import JiraDesk
from connectors.desks.salesforce import SalesforceDesk, StaticToken
from connectors.desks.servicenow import ServiceNowDesk
from connectors.desks.zendesk import ZendeskDesk
from connectors.identity.memory import MemoryDirectory
from connectors.ratelimit import LocalRateLimiter
from intake.webhooks import sign_jira, sign_servicenow, sign_zendesk
from tests.e2e.desks_support import channel_query
from tests.integration.playbooks.world import POLICY, company, settle
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.tables import ApprovalRow, OutboxRow, RunRow, TicketRow
from worker.inbound.receive import Outcome, receive_webhook
from worker.runtime import Runtime

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
JIRA = "https://acme-it.atlassian.net"
ZENDESK = "https://acme.zendesk.com"
SNOW = "https://acme.service-now.com"
SALESFORCE = "https://acme.my.salesforce.com"
SF_API = f"{SALESFORCE}/services/data/v61.0"
ORG_ID = "00DRO0000000001AAA"
LOGINS = ("maria", "alice", "bob", "olivia", "sam", "carol", "dave")
GRANT = ("Need access to Salesforce", "Please give me access to Salesforce for 2 weeks.")


@dataclass(frozen=True)
class DeskIds:
    """One person's id on each desk."""

    login: str
    jira: str
    zendesk: str
    snow_sys_id: str
    salesforce_user: str
    salesforce_contact: str

    @property
    def email(self) -> str:
        return f"{self.login}@example.com"


PEOPLE = {
    login: DeskIds(
        login,
        jira="712020:" + str(uuid.uuid5(uuid.NAMESPACE_DNS, login)),
        zendesk=str(90000 + n),
        snow_sys_id=uuid.uuid5(uuid.NAMESPACE_URL, login).hex,
        salesforce_user=f"005RO0000{n:06d}AAA",
        salesforce_contact=f"003RO0000{n:06d}AAA",
    )
    for n, login in enumerate(LOGINS, start=1)
}


def _load(vendor: str, name: str) -> Any:
    return json.loads((PAYLOADS / vendor / name).read_text())


@dataclass
class Desks:
    """The runtime, its directory, the webhook secrets and the HTTP fake of the four desks."""

    rt: Runtime
    directory: MemoryDirectory
    secrets: dict[str, bytes]
    http: responses.RequestsMock
    hidden: set[str] = field(default_factory=set)
    """Logins whose address the desks' user APIs do not show (Jira profile visibility)."""
    agents: set[str] = field(default_factory=set)
    """Logins the desks call agents (Zendesk role, Salesforce Standard user, the JSM project's
    agent permission, ServiceNow's ``itil`` role)."""
    light_agents: set[str] = field(default_factory=set)
    """Logins Zendesk has as light agents (role ``agent``, ``role_type`` 1: private notes only)."""
    locales: dict[str, str] = field(default_factory=dict)
    """Each login's locale (``en_US``) as the user APIs give it (Jira and Zendesk ``locale``,
    ServiceNow's ``date_format`` for it); absent: the vendor sample's own."""
    jira_issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What Jira's issue API answers, by key (absent: 404), comments under fields.comment."""
    channels: dict[str, str] = field(default_factory=dict)
    """JSM's ``request-channel-type`` of each Jira key (absent: portal); ``jsm=False``: none."""
    jsm: bool = True
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What Salesforce's query API answers for a Case, by CaseNumber (absent: no records)."""
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(31000, 10**6)))

    def next_id(self) -> int:
        return next(self._ids)

    def settle(self) -> None:
        settle(self.rt, writeback_rows=False)

    def post(self, desk: str, headers: dict[str, str], body: bytes) -> Outcome:
        return receive_webhook(self.rt, desk, headers, body).outcome

    def groups(self, login: str) -> list[str]:
        user = self.directory.find_user(login=login)
        assert user is not None
        return sorted(self.directory.groups_of(user.id))

    def run_state(self, desk: str, key: str) -> str:
        with self.rt.db.session() as session:
            return str(
                session.scalars(
                    select(RunRow.state)
                    .join(TicketRow, TicketRow.id == RunRow.ticket_id)
                    .where(TicketRow.desk == desk, TicketRow.key == key)
                    .order_by(RunRow.attempt.desc())
                ).first()
            )

    def notes(self, desk: str, key: str) -> list[str]:
        """Every note and reply deskpilot queued for the ticket, in order."""
        with self.rt.db.session() as session:
            return list(
                session.scalars(
                    select(OutboxRow.body)
                    .join(TicketRow, TicketRow.id == OutboxRow.ticket_id)
                    .where(TicketRow.desk == desk, TicketRow.key == key)
                    .order_by(OutboxRow.id)
                )
            )

    def approvals(self, desk: str, key: str) -> list[tuple[str, str | None, str]]:
        """(approver label, directory login, verdict) of the ticket's runs, in order."""
        with self.rt.db.session() as session:
            rows = session.execute(
                select(ApprovalRow.approver, ApprovalRow.directory_login, ApprovalRow.verdict)
                .join(RunRow, RunRow.id == ApprovalRow.run_id)
                .join(TicketRow, TicketRow.id == RunRow.ticket_id)
                .where(TicketRow.desk == desk, TicketRow.key == key)
                .order_by(ApprovalRow.id)
            ).all()
        return [(a, login, v) for a, login, v in rows]

    def user_api_calls(self, host: str) -> int:
        return sum(1 for c in self.http.calls if c.request.url and c.request.url.startswith(host))

    # -- the desks' user APIs, as the vendors answer them ---------------------------------------

    def _person(self, pred: Any) -> DeskIds | None:
        return next((p for p in PEOPLE.values() if pred(p)), None)

    def _jira_user(self, request: Any) -> tuple[int, dict[str, str], str]:
        account = parse_qs(urlsplit(request.url).query).get("accountId", [""])[0]
        person = self._person(lambda p: p.jira == account)
        if person is None:
            return 404, {}, json.dumps({"errorMessages": ["Specified user does not exist"]})
        user = copy.deepcopy(_load("jira", "api_user.json"))
        user |= {"accountId": account, "displayName": person.login.title()}
        user["self"] = f"{JIRA}/rest/api/3/user?accountId={account}"
        if person.login in self.locales:
            user["locale"] = self.locales[person.login]
        if person.login in self.hidden:
            del user["emailAddress"]
        else:
            user["emailAddress"] = person.email
        return 200, {}, json.dumps(user)

    def _zendesk_user(self, request: Any) -> tuple[int, dict[str, str], str]:
        user_id = urlsplit(request.url).path.rsplit("/", 1)[1].removesuffix(".json")
        person = self._person(lambda p: p.zendesk == user_id)
        if person is None:
            return 404, {}, json.dumps(_load("zendesk", "api_error_user_not_found.json"))
        found = copy.deepcopy(_load("zendesk", "api_user_agent.json"))
        found["user"] |= {
            "id": int(user_id),
            "url": f"{ZENDESK}/api/v2/users/{user_id}.json",
            "name": person.login.title(),
            "email": person.email,
            "role": "agent" if person.login in self.agents | self.light_agents else "end-user",
        }
        if person.login in self.light_agents:
            found["user"] |= {"role_type": 1, "only_private_comments": True}
        if person.login in self.locales:
            found["user"]["locale"] = self.locales[person.login].replace("_", "-").lower()
        return 200, {}, json.dumps(found)

    def _snow_row(self, person: DeskIds) -> dict[str, str]:
        """A ``sys_user`` row; ``date_format`` empty means the system's (the vendor's default)."""
        locale = self.locales.get(person.login, "")
        formats = {"": "", "en_US": "MM-dd-yyyy"}
        return {
            "sys_id": person.snow_sys_id,
            "user_name": person.login,
            "email": person.email,
            "name": person.login.title(),
            "active": "true",
            "preferred_language": locale.split("_")[0] or "en",
            "date_format": formats.get(locale, "dd/MM/yyyy"),
        }

    def _snow_user(self, request: Any) -> tuple[int, dict[str, str], str]:
        path = urlsplit(request.url).path.rsplit("/", 1)[1]
        if path != "sys_user":
            person = self._person(lambda p: p.snow_sys_id == path)
            if person is None:
                body = {"error": {"message": "No Record found", "detail": ""}, "status": "failure"}
                return 404, {}, json.dumps(body)
            return 200, {}, json.dumps({"result": self._snow_row(person)})
        query = parse_qs(urlsplit(request.url).query).get("sysparm_query", [""])[0]
        name = query.removeprefix("user_name=")
        person = self._person(lambda p: p.login == name)
        rows = [self._snow_row(person)] if person else []
        return 200, {}, json.dumps({"result": rows})

    def _jira_agents(self, request: Any) -> tuple[int, dict[str, str], str]:
        """``/user/permission/search``: the person, if they hold the agent permission."""
        query = parse_qs(urlsplit(request.url).query)
        assert query["permissions"] == ["SERVICEDESK_AGENT"], query
        account = query.get("accountId", [""])[0]
        person = self._person(lambda p: p.jira == account)
        if person is None or person.login not in self.agents:
            return 200, {}, json.dumps([])
        _, _, user = self._jira_user(request)
        return 200, {}, f"[{user}]"

    def _snow_roles(self, request: Any) -> tuple[int, dict[str, str], str]:
        """``sys_user_has_role``: one row if the user holds ``itil``."""
        query = parse_qs(urlsplit(request.url).query)["sysparm_query"][0]
        found = re.fullmatch(r"user=([0-9a-f]{32})\^role\.nameIN(.+)", query)
        assert found is not None, query
        person = self._person(lambda p: p.snow_sys_id == found.group(1))
        agent = person is not None and person.login in self.agents and "itil" in found.group(2)
        rows = [{"sys_id": uuid.uuid5(uuid.NAMESPACE_OID, query).hex}] if agent else []
        return 200, {}, json.dumps({"result": rows})

    def _salesforce_user(self, request: Any) -> tuple[int, dict[str, str], str]:
        user_id = urlsplit(request.url).path.rsplit("/", 1)[1]
        person = self._person(lambda p: p.salesforce_user == user_id)
        if person is None:
            body = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            return 404, {}, json.dumps(body)
        found = copy.deepcopy(_load("salesforce", "api_user_standard.json"))
        found |= {
            "Id": user_id,
            "Email": person.email,
            "Name": person.login.title(),
            "UserType": "Standard" if person.login in self.agents else "CspLitePortal",
        }
        found["attributes"]["url"] = f"/services/data/v61.0/sobjects/User/{user_id}"
        return 200, {}, json.dumps(found)

    def _jira_issue(self, request: Any) -> tuple[int, dict[str, str], str]:
        key = urlsplit(request.url).path.rsplit("/", 1)[1]
        issue = self.jira_issues.get(key)
        if issue is None:
            body = {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."]
            }
            return 404, {}, json.dumps(body)
        return 200, {}, json.dumps(issue)

    def _jira_search(self, request: Any) -> tuple[int, dict[str, str], str]:
        """Jira Cloud's ``/search/jql``, for the request-channel query only."""
        if not self.jsm:
            problem = "Field 'request-channel-type' does not exist or you do not have permission"
            return 400, {}, json.dumps({"errorMessages": [problem], "errors": {}})
        jql = parse_qs(urlsplit(request.url).query)["jql"][0]
        found = re.fullmatch(r'issuekey = "([A-Z]+-\d+)" AND request-channel-type in \((.+)\)', jql)
        assert found is not None, jql
        key, wanted = found.group(1), [c.strip().strip('"') for c in found.group(2).split(",")]
        hit = self.channels.get(key, "portal") in wanted
        issues = [{"expand": "", "id": str(10000 + int(key.split("-")[1])), "key": key}]
        return 200, {}, json.dumps({"issues": issues if hit else [], "isLast": True})

    def _salesforce_query(self, request: Any) -> tuple[int, dict[str, str], str]:
        soql = parse_qs(urlsplit(request.url).query).get("q", [""])[0]
        number = re.search(r"CaseNumber = '(\d+)'", soql)
        by_id = re.search(r"WHERE Id = '(\w+)'", soql)
        records: list[Any] = []
        for case in self.cases.values():
            if number and case["CaseNumber"] == number.group(1):
                records.append({"attributes": {"type": "Case"}, "Id": case["Id"]})
            elif by_id and case["Id"] == by_id.group(1):
                records.append(case)
        return 200, {}, json.dumps({"totalSize": len(records), "done": True, "records": records})

    def install_user_apis(self) -> None:
        """Answer every desk's user API from ``PEOPLE`` (not required to be called)."""
        get = responses.GET
        self.http.add_callback(get, f"{JIRA}/rest/api/3/user", callback=self._jira_user)
        self.http.add_callback(
            get, re.compile(rf"{ZENDESK}/api/v2/users/\d+\.json"), callback=self._zendesk_user
        )
        self.http.add_callback(
            get, re.compile(rf"{SNOW}/api/now/table/sys_user(/[0-9a-f]{{32}})?(\?.*)?$"),
            callback=self._snow_user,
        )  # fmt: skip
        self.http.add_callback(
            get, f"{JIRA}/rest/api/3/user/permission/search", callback=self._jira_agents
        )
        self.http.add_callback(
            get, f"{SNOW}/api/now/table/sys_user_has_role", callback=self._snow_roles
        )
        self.http.add_callback(
            get, re.compile(rf"{SF_API}/sobjects/User/\w+"), callback=self._salesforce_user
        )
        self.http.add_callback(
            get, re.compile(rf"{JIRA}/rest/api/3/issue/[A-Z]+-\d+"), callback=self._jira_issue
        )
        self.http.add_callback(get, f"{SF_API}/query", callback=self._salesforce_query)
        # the tickets' files (none here): Zendesk lists them from the comments, ServiceNow from
        # the Attachment API; Salesforce's two file queries get no records from the query above
        self.http.get(
            re.compile(rf"{ZENDESK}/api/v2/tickets/\d+/comments\.json(\?.*)?$"),
            json={"comments": [], "meta": {"has_more": False, "after_cursor": None}},
        )
        self.http.get(re.compile(rf"{SNOW}/api/now/attachment(\?.*)?$"), json={"result": []})
        self.http.add_callback(
            get, f"{JIRA}/rest/api/3/search/jql", callback=self._jira_search, match=[channel_query]
        )


def settings(
    database_url: str, sla: dict[str, Any] | None = None
) -> tuple[AppSettings, dict[str, bytes]]:
    """Jira, Zendesk and ServiceNow signed; Jira ``jira-open`` unsigned; Salesforce by org id."""
    keys: dict[str, bytes] = {}
    desks: list[dict[str, Any]] = []
    for name, kind, base in (
        ("jira-it", "jira", JIRA),
        ("zendesk-it", "zendesk", ZENDESK),
        ("snow-it", "servicenow", SNOW),
    ):
        env = f"DESKPILOT_TEST_AUTH_{uuid.uuid4().hex[:8].upper()}"
        keys[name] = secrets.token_hex(16).encode()
        os.environ[env] = keys[name].decode()
        desks.append({"name": name, "type": kind, "base_url": base, "webhook_secret": {"env": env}})
    desks.append({"name": "jira-open", "type": "jira", "base_url": JIRA, "unsigned": True})
    desks.append(
        {
            "name": "sf-it",
            "type": "salesforce",
            "base_url": SALESFORCE,
            "unsigned": True,
            "options": {"organization_id": ORG_ID},
        }
    )
    for desk in desks:
        desk["directory"] = "corp"
    data = {
        "database_url": database_url,
        "broker": {"url": "stub"},
        "runtime": {"lease_s": 60},
        "desks": desks,
        "directories": [{"name": "corp", "type": "memory"}],
        "playbooks": POLICY,
    } | ({"sla": sla} if sla else {})
    return AppSettings.model_validate(data), keys


def _connectors() -> dict[str, DeskClient]:
    limiter = LocalRateLimiter()
    return {
        "jira-it": JiraDesk(
            "jira-it", JIRA, email="deskpilot@example.com", api_token="x", limiter=limiter
        ),
        "jira-open": JiraDesk(
            "jira-open", JIRA, email="deskpilot@example.com", api_token="x", limiter=limiter
        ),
        "zendesk-it": ZendeskDesk(
            "zendesk-it", ZENDESK, email="deskpilot@example.com", api_token="x", limiter=limiter
        ),
        "snow-it": ServiceNowDesk(
            "snow-it", SNOW, username="deskpilot", password="x", limiter=limiter
        ),
        "sf-it": SalesforceDesk(
            "sf-it", SALESFORCE, limiter=limiter, session_source=StaticToken("00DRO!static")
        ),
    }


@contextmanager
def four_desks(database_url: str, sla: dict[str, Any] | None = None) -> Iterator[Desks]:
    """A migrated runtime with the four desks, the company directory and the user APIs."""
    config, keys = settings(database_url, sla)
    directory = company()
    rt = build_runtime(config, desks=_connectors(), directories={"corp": directory})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        desks = Desks(rt, directory, keys, http)
        desks.install_user_apis()
        try:
            yield desks
        finally:
            rt.broker.close()
            rt.db.dispose()


def now_stamp() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def jira_headers(key: bytes, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
        **sign_jira(key, body),
    }


def zendesk_headers(key: bytes, body: bytes) -> dict[str, str]:
    stamp = now_stamp().isoformat().replace("+00:00", "Z")
    return {"Content-Type": "application/json", **sign_zendesk(key, body, stamp)}


def snow_headers(key: bytes, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", **sign_servicenow(key, body, int(time.time()))}

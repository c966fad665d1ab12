"""
A desk and a directory that several worker processes share, kept in PostgreSQL.

The durability test kills a worker process and flushes Redis while tickets are in flight, then
checks that no directory change was applied twice and no note was written twice. That needs
external systems every process sees, which count what really happened: these stand in for a real
desk and directory the way ``MemoryDesk``/``MemoryDirectory`` do, but across processes. Like a
real directory, a change already in effect is reported as "already so" (``changed=False``); like
a real desk, posting is a check for the marker followed by an insert — no uniqueness is enforced,
so a duplicate post would show up as two rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    update,
)

from connectors.desks import (
    CreatedTicket,
    DeskPerson,
    DeskSlaValue,
    NewTicket,
    PollPage,
    PostedComment,
    RawDelivery,
)
from connectors.errors import NotFoundError, NotSupportedError
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
    UserStatus,
)

metadata = MetaData()
USERS = Table(
    "fake_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("login", String(64), unique=True),
    Column("email", String(200), unique=True),
    Column("locked", Boolean),
    Column("must_change", Boolean),
)
EFFECTS = Table(
    "fake_effects",
    metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("operation", String(64)),
    Column("target", String(64)),
)
COMMENTS = Table(
    "fake_comments",
    metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("ticket", String(64)),
    Column("marker", String(255)),
    Column("public", Boolean),
    Column("body", Text),
)


def create_tables(url: str) -> None:
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def seed_users(url: str, count: int) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(USERS),
            [
                {
                    "id": f"u{n:04d}",
                    "login": f"user{n:04d}",
                    "email": f"user{n:04d}@corp.example.com",
                    "locked": True,
                    "must_change": False,
                }
                for n in range(count)
            ],
        )
    engine.dispose()


class SharedDirectory:
    """A directory of locked users; unlock and the reset flow are its only changes."""

    capabilities = frozenset({Capability.UNLOCK, Capability.RESET_PASSWORD_FLOW})

    def __init__(self, url: str, name: str = "corp") -> None:
        self.name = name
        self.engine = create_engine(url, pool_size=4)

    def _user(self, row: RowMapping) -> DirectoryUser:
        locked = bool(row["locked"])
        return DirectoryUser(
            id=str(row["id"]),
            login=str(row["login"]),
            email=str(row["email"]),
            given_name="Test",
            family_name=str(row["login"]),
            display_name=f"Test {row['login']}",
            status=UserStatus.LOCKED if locked else UserStatus.ACTIVE,
            locked=locked,
            password_must_change=bool(row["must_change"]),
        )

    def find_user(
        self, *, email: str | None = None, login: str | None = None, employee_id: str | None = None
    ) -> DirectoryUser | None:
        query = select(USERS)
        if email is not None:
            query = query.where(USERS.c.email == email.lower())
        if login is not None:
            query = query.where(USERS.c.login == login.lower())
        if employee_id is not None:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self._user(row) if row else None

    def get_user(self, user_id: str) -> DirectoryUser:
        with self.engine.connect() as connection:
            row = connection.execute(select(USERS).where(USERS.c.id == user_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no user {user_id}", system=self.name)
        return self._user(row)

    def unlock(self, user_id: str) -> Change:
        return self._flip(user_id, "unlock", USERS.c.locked, "locked")

    def send_password_reset(self, user_id: str) -> Change:
        # A reset e-mail is sent every time it is asked for: each call is an effect.
        with self.engine.begin() as connection:
            connection.execute(update(USERS).where(USERS.c.id == user_id).values(must_change=True))
            connection.execute(
                insert(EFFECTS).values(operation="send_password_reset", target=user_id)
            )
        return Change(
            "send_password_reset",
            self.name,
            user_id,
            {"reset_link_sent": None},
            {"reset_link_sent": "true"},
            True,
        )

    def _flip(self, user_id: str, operation: str, column: Column[bool], label: str) -> Change:
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(USERS).where(USERS.c.id == user_id, column.is_(True)).values({column: False})
            ).rowcount
            if changed:
                connection.execute(insert(EFFECTS).values(operation=operation, target=user_id))
        return Change(
            operation,
            self.name,
            user_id,
            {label: "true" if changed else "false"},
            {label: "false"},
            bool(changed),
        )

    def groups_of(self, user_id: str) -> list[str]:
        return []

    def transitive_groups_of(self, user_id: str) -> list[str]:
        return []

    def groups_containing(self, group: str) -> list[str]:
        return []

    def licenses_of(self, user_id: str) -> list[str]:
        return []

    def list_licenses(self) -> list[License]:
        return []

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        with self.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(USERS).order_by(USERS.c.id).offset(int(cursor or 0)).limit(page_size)
                )
                .mappings()
                .all()
            )
        end = int(cursor or 0) + len(rows)
        return UserPage(
            tuple(self._user(r) for r in rows), str(end) if len(rows) == page_size else None
        )

    def _unsupported(self, *args: object, **kwargs: object) -> Change:
        raise NotSupportedError("not in the shared test directory", system=self.name)

    def create_user(self, user: NewUser) -> Change:
        return self._unsupported(user)

    update_user = disable_user = enable_user = delete_user = add_to_group = remove_from_group = (
        _unsupported
    )
    set_one_time_password = reset_mfa = revoke_sessions = assign_license = remove_license = (
        _unsupported
    )


class SharedDesk:
    """A desk whose comments every process sees; posting checks the marker, then inserts."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self.engine = create_engine(url, pool_size=4)

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        with self.engine.begin() as connection:
            found = connection.execute(
                select(COMMENTS.c.n).where(COMMENTS.c.ticket == key, COMMENTS.c.marker == marker)
            ).first()
            if found is not None:
                return PostedComment(str(found[0]), created=False)
        with self.engine.begin() as connection:
            n = connection.execute(
                insert(COMMENTS)
                .values(ticket=key, marker=marker, public=public, body=body)
                .returning(COMMENTS.c.n)
            ).scalar_one()
        return PostedComment(str(n), created=True)

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        return None

    def assign(self, key: str, assignee: str) -> None:
        return None

    def add_labels(self, key: str, labels: object) -> None:
        return None

    def person_email(self, person_id: str) -> str | None:
        return None

    def fetch_ticket(self, key: str) -> RawDelivery:
        raise NotFoundError(f"no ticket {key} on the shared test desk", system=self.name)

    def find_person(self, person_id: str) -> DeskPerson:
        raise NotFoundError(f"no user {person_id} on the shared test desk", system=self.name)

    def set_field(self, key: str, field: str, value: str) -> None:
        raise NotSupportedError("no custom fields on the shared test desk", system=self.name)

    def set_priority(self, key: str, priority: str) -> None:
        raise NotSupportedError("no priorities on the shared test desk", system=self.name)

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        raise NotSupportedError("no attachments on the shared test desk", system=self.name)

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        raise NotSupportedError("no desk SLA values on the shared test desk", system=self.name)

    def group_name(self, group_id: str) -> str:
        raise NotSupportedError("no teams on the shared test desk", system=self.name)

    def create_ticket(self, ticket: NewTicket) -> CreatedTicket:
        raise NotSupportedError("no new tickets on the shared test desk", system=self.name)

    def poll(self, cursor: str | None, *, since: dt.datetime) -> PollPage:
        return PollPage((), cursor)

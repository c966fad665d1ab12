"""The one LDAP classifier: result codes and transport failures → deskpilot errors."""

from __future__ import annotations

import pytest

from connectors.errors import (
    AuthError,
    DeskpilotError,
    NotFoundError,
    RejectedError,
    UnavailableError,
)
from connectors.identity.ldap import (
    LDAPException,
    LDAPOperationResult,
    LdapOptions,
    LDAPResponseTimeoutError,
    LDAPSocketOpenError,
    classify_ldap_error,
)
from connectors.identity.ldap_session import LdapSession
from connectors.identity.openldap import LdapDirectory
from tests.services.process import free_port

CASES = [
    (LDAPOperationResult(result=49, description="invalidCredentials"), AuthError),
    (LDAPOperationResult(result=50, description="insufficientAccessRights"), AuthError),
    (LDAPOperationResult(result=8, description="strongerAuthRequired"), AuthError),
    (LDAPOperationResult(result=32, description="noSuchObject"), NotFoundError),
    (LDAPOperationResult(result=51, description="busy"), UnavailableError),
    (LDAPOperationResult(result=52, description="unavailable"), UnavailableError),
    (LDAPOperationResult(result=3, description="timeLimitExceeded"), UnavailableError),
    (
        LDAPOperationResult(result=53, description="unwillingToPerform", message="shutting down"),
        UnavailableError,
    ),
    (
        LDAPOperationResult(result=53, description="unwillingToPerform", message="0000209A"),
        RejectedError,
    ),
    (LDAPOperationResult(result=19, description="constraintViolation"), RejectedError),
    (LDAPOperationResult(result=65, description="objectClassViolation"), RejectedError),
    (LDAPOperationResult(result=21, description="invalidAttributeSyntax"), RejectedError),
    (LDAPSocketOpenError("connection refused"), UnavailableError),
    (LDAPResponseTimeoutError("no response"), UnavailableError),
]


@pytest.mark.parametrize(
    ("exc", "expected"),
    CASES,
    ids=[f"{type(e).__name__}-{getattr(e, 'result', '')}-{k.__name__}" for e, k in CASES],
)
def test_classify_ldap_error(exc: LDAPException, expected: type[DeskpilotError]) -> None:
    """Each LDAP failure lands in exactly the deskpilot error class the worker retries on (or not)."""
    error = classify_ldap_error(exc, system="corp-ldap", action="modify")

    assert type(error) is expected
    assert error.system == "corp-ldap"


def test_unreachable_server_is_unavailable() -> None:
    """Nothing listening is a transient UnavailableError (the worker retries later)."""
    options = LdapOptions(
        url=f"ldap://127.0.0.1:{free_port()}",
        bind_dn="cn=x",
        bind_password="pw",
        base_dn="dc=x",
        timeout_s=1,
    )

    with pytest.raises(UnavailableError):
        LdapSession(options, system="corp-ldap").search("dc=x", "(objectClass=*)", ["cn"])


@pytest.mark.parametrize("operation", ["set_one_time_password"], ids=["one-time-password"])
def test_passwords_never_travel_in_clear(operation: str) -> None:
    """Without ldaps:// or StartTLS, password operations refuse before touching the network."""
    options = LdapOptions(
        url="ldap://127.0.0.1:1", bind_dn="cn=x", bind_password="pw", base_dn="dc=x"
    )
    directory = LdapDirectory("corp-ldap", options)

    with pytest.raises(RejectedError, match="unencrypted"):
        getattr(directory, operation)("0b0e6c2a-0000-4000-8000-000000000000", "Zq7!one-Time-Pass")

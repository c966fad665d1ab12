"""build_saas_directory: options and secrets checked, every problem reported with its location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.identity.entra import EntraDirectory
from connectors.identity.google import GoogleDirectory
from connectors.identity.okta import OktaDirectory
from connectors.identity.salesforce import SalesforceDirectory
from worker.config import ConfigError, DirectorySettings, SecretRef
from worker.wiring.directories_saas import build_saas_directory


def settings(
    kind: str, *, url: str | None = None, options: dict[str, Any] | None = None, **secrets: str
) -> DirectorySettings:
    return DirectorySettings(
        name="corp",
        type=kind,  # type: ignore[arg-type]
        url=url,
        credentials={key: SecretRef(env=var) for key, var in secrets.items()},
        options=options or {},
    )


@pytest.fixture(scope="module")
def key_json() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return json.dumps(
        {
            "type": "service_account",
            "client_email": "deskpilot@p.iam.gserviceaccount.com",
            "private_key": pem.decode(),
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def test_builds_okta() -> None:
    built = build_saas_directory(
        settings("okta", url="https://acme.okta.com", token="OKTA_TOKEN"),
        environ={"OKTA_TOKEN": "t"},
    )

    assert isinstance(built, OktaDirectory)
    assert built.name == "corp"


def test_builds_entra_without_network() -> None:
    options = {
        "tenant_id": "contoso.onmicrosoft.com",
        "client_id": "11111111-2222-3333-4444-555555555555",
    }

    built = build_saas_directory(
        settings("entra", options=options, client_secret="ENTRA_SECRET"),
        environ={"ENTRA_SECRET": "s"},
    )

    assert isinstance(built, EntraDirectory)


def test_builds_google_without_network(key_json: str, tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(key_json)
    config = DirectorySettings(
        name="corp",
        type="google",
        credentials={"service_account_json": SecretRef(file=key_file)},
        options={"admin_email": "admin@example.com", "licenses": ["Google-Apps/1010020027"]},
    )

    built = build_saas_directory(config, environ={})

    assert isinstance(built, GoogleDirectory)
    assert [lic.id for lic in built.list_licenses()] == ["Google-Apps/1010020027"]


@pytest.mark.parametrize(
    "secrets",
    [
        {"username": "SF_USER", "password": "SF_PASS", "security_token": "SF_TOKEN"},
        {"consumer_key": "SF_KEY", "consumer_secret": "SF_SECRET"},
    ],
    ids=["password", "client-credentials"],
)
def test_builds_salesforce_without_logging_in(secrets: dict[str, str]) -> None:
    environ = {var: "x" for var in secrets.values()}

    built = build_saas_directory(
        settings("salesforce", options={"domain": "acme.my"}, **secrets), environ=environ
    )

    assert isinstance(built, SalesforceDirectory)


@pytest.mark.parametrize(
    ("config", "environ", "problems"),
    [
        (
            settings(
                "okta",
                url="http://acme.okta.com",
                options={"disable_mode": "delete", "colour": "red"},
            ),
            {},
            [
                "directories.corp.options.colour: unknown option for okta (known: disable_mode)",
                "directories.corp.url: must be an https:// URL",
                "directories.corp.credentials.token: required (as {env: VAR} or {file: /path})",
                "directories.corp.options.disable_mode: must be one of suspend, deactivate (got 'delete')",
            ],
        ),
        (
            settings("entra", client_secret="ENTRA_SECRET"),
            {},
            [
                "directories.corp.options.tenant_id: required",
                "directories.corp.options.client_id: required",
                "directories.corp.credentials.client_secret: environment variable ENTRA_SECRET is not set",
            ],
        ),
        (
            settings(
                "google",
                options={"admin_email": "admin", "licenses": "Google-Apps"},
                service_account_json="KEY",
            ),
            {"KEY": "{not json"},
            [
                "directories.corp.options.admin_email: must be the e-mail address of a Workspace admin",
                "directories.corp.options.licenses: must be a list of 'productId/skuId' strings, e.g. Google-Apps/1010020027",
                "directories.corp.credentials.service_account_json: is not JSON (use the key file Google gave you)",
            ],
        ),
        (
            settings(
                "google", options={"admin_email": "a@example.com"}, service_account_json="KEY"
            ),
            {"KEY": '{"type": "service_account"}'},
            [
                "directories.corp.credentials.service_account_json: is not a service-account key (lacks client_email, private_key, token_uri)"
            ],
        ),
        (
            settings("salesforce", options={"disable_mode": "nuke"}, username="U", api_key="K"),
            {"U": "u"},
            [
                "directories.corp.credentials.api_key: unknown credential for salesforce (known: consumer_key, consumer_secret, password, security_token, username)",
                "directories.corp.options.disable_mode: must be one of deactivate, freeze (got 'nuke')",
                "directories.corp.credentials.password: required (as {env: VAR} or {file: /path})",
                "directories.corp.credentials.security_token: required (as {env: VAR} or {file: /path})",
            ],
        ),
    ],
    ids=["okta", "entra", "google-bad-values", "google-not-a-key", "salesforce"],
)
def test_every_problem_is_reported_with_its_location(
    config: DirectorySettings, environ: dict[str, str], problems: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_saas_directory(config, environ=environ)

    assert caught.value.problems == problems


def test_secrets_do_not_appear_in_problems() -> None:
    config = settings(
        "okta", url="https://acme.okta.com", options={"disable_mode": 3}, token="OKTA_TOKEN"
    )

    with pytest.raises(ConfigError) as caught:
        build_saas_directory(config, environ={"OKTA_TOKEN": "00Q-very-secret"})

    assert caught.value.problems == [
        "directories.corp.options.disable_mode: must be a non-empty string"
    ]
    assert "00Q-very-secret" not in str(caught.value)


def test_refuses_other_directory_types() -> None:
    with pytest.raises(ConfigError, match="not a SaaS directory"):
        build_saas_directory(settings("ldap"), environ={})

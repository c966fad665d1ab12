"""
The ``where`` expression of a campaign's user filter: what it lets through, what the sandbox
refuses (at check time and when evaluated), and how an account it fails for is reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.identity import DirectoryUser, UserStatus
from playbooks.reviews.items import People
from playbooks.reviews.where import UserView, WhereError, case_warnings, check_where, matches
from worker.runs.review_population import person_of, user_view

ANN = UserView(
    "u1", "ann", email="ann@example.com", display_name="Ann Archer", title="Treasurer",
    department="Treasury", manager="maria", employee_type="employee",
    attributes={"costCenter": "4100", "location": "Lyon"},
)  # fmt: skip
CARL = UserView(
    "u2", "carl", email="carl@agency.example", display_name="Carl Cole", department="Finance", manager="maria",
    employee_type="contractor", disabled=True, attributes={},
)  # fmt: skip


@pytest.mark.parametrize(
    ("expression", "ann", "carl"),
    [
        ("user.department in ['Finance', 'Treasury'] and user.employee_type != 'contractor' "
         "and not user.disabled", True, False),
        ("user.department in ['Finance', 'Treasury']", True, True),
        ("user.disabled", False, True),
        ("user.manager == 'maria' and user.email.endswith('@example.com')", True, False),
        ("user.title is none", False, True),
        ("'costCenter' in user.attributes", True, False),
        ("user.attributes.costCenter is defined and user.attributes.costCenter == '4100'", True, False),
        ("user.attributes.get('location', '') | lower == 'lyon'", True, False),
        ("user['department'] | upper == 'FINANCE'", False, True),
        ("user.login.startswith('a') or user.employee_type == 'contractor'", True, True),
        ("user.attributes | length > 1", True, False),
        ("user.display_name.split(' ') | first == 'Ann'", True, False),
    ],
    ids=[
        "brief-example", "department-list", "disabled", "manager-and-mail-domain", "title-none",
        "attribute-present", "attribute-defined-then-compared", "get-with-default-filter",
        "item-syntax", "or", "attribute-count", "string-method-chain",
    ],
)  # fmt: skip
def test_the_expression_includes_and_excludes(expression: str, ann: bool, carl: bool) -> None:
    assert check_where(expression) == expression
    assert (matches(expression, ANN), matches(expression, CARL)) == (ann, carl)


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("user.department ==", "expression syntax error: unexpected 'end of template'"),
        ("user.department in ['Finance'", "expression syntax error:"),
        ("department == 'Finance'", "unknown name `department` (the expression sees only `user`)"),
        ("user.departmnet == 'Finance'", "`user.departmnet` is not a field (fields: attributes, "),
        ("user['costCenter'] == '1'", "`user.costCenter` is not a field"),
        ("user.login | center(10)", "expression syntax error: No filter named 'center'."),
        ("user.login | attr('upper')", "No filter named 'attr'"),
        ("user.login is shouting", "No test named 'shouting'"),
        ("range(10**9) | length > 0", "unknown name `range`"),
        ("lipsum(1000000) != ''", "unknown name `lipsum`"),
        ("dict(a=1) is mapping", "unknown name `dict`"),
        ("user.__class__", "`__class__`: names starting with _ are not available"),
        ("''.__class__.__mro__", "`__class__`: names starting with _ are not available"),
        ("user['__dict__']", "`__dict__`: names starting with _ are not available"),
        ("user.attributes._mapping", "`_mapping`: names starting with _ are not available"),
        ("   ", "the expression is empty"),
    ],
    ids=[
        "syntax-unfinished", "syntax-unclosed-list", "unknown-name", "unknown-field",
        "unknown-field-by-item", "unknown-filter", "attr-filter-removed", "unknown-test",
        "range-removed", "lipsum-removed", "dict-removed", "class-of-user", "mro-of-str",
        "dunder-by-item", "private-attribute", "empty",
    ],
)  # fmt: skip
def test_check_refuses(expression: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_where(expression)


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("user.attributes.update({'department': 'Finance'}) is none",
         "'mappingproxy object' has no attribute 'update'"),
        ("user.attributes.pop('costCenter') is none", "has no attribute 'pop'"),
        ("user.login.center(1000000000) != ''",
         "SecurityError: access to attribute 'center' of 'str' object is unsafe"),
        ("user.login.format(user) != ''",
         "SecurityError: access to attribute 'format' of 'str' object is unsafe"),
        ("user.login.upper.__self__ != ''", "unsafe"),
        ("user.email * 1000000 != ''", "SecurityError: repeating to "),
        ("([user] * 100000) | length > 0",
         "SecurityError: repeating to 200000 characters and elements is too large"),
        ("([1] * 40000) | join('x' * 10) != ''",
         "SecurityError: joining to 439990 characters is too large"),
        ("(([1] * 30000) | join | list) | join('abc') != ''",
         "SecurityError: joining to 119997 characters is too large"),
        ("10 ** 100000 > 0", "SecurityError: 10 ** 100000 is too large"),
        ("'%999999999d' % 1 != ''", "SecurityError: string formatting with % is not available"),
        ("[user.attributes] | map(attribute='__class__') | first",
         "SecurityError: access to attribute '__class__' of 'mappingproxy' object is unsafe"),
        ("(user.login * 10000) | list | string | list | string | list | string | length > 0",
         "SecurityError: |string gave 150000 characters and elements: too large"),
        ("(user.login.split('x') * 20000) | string | length > 0",
         "SecurityError: |string gave 140000 characters and elements: too large"),
        ("((user.login * 30000) | list | map('upper') | list | sort) | length > 0",
         "SecurityError: |list gave 180000 characters and elements: too large"),
    ],
    ids=[
        "mapping-write", "mapping-pop", "str-center-memory", "str-format-escape",
        "method-self", "string-repeat", "list-repeat", "join-separator", "join-of-join",
        "huge-power", "percent-format",
        "blocked-attribute-via-map", "list-string-chain-grows-fivefold", "string-of-a-list",
        "list-of-a-string",
    ],
)  # fmt: skip
def test_the_sandbox_refuses_when_evaluated(expression: str, error: str) -> None:
    """What the check cannot see (the type of a value) the sandbox refuses for the account."""
    with pytest.raises(WhereError) as caught:
        matches(expression, ANN)
    assert error in str(caught.value)
    assert dict(ANN.attributes) == {"costCenter": "4100", "location": "Lyon"}


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("user.attributes.costCenter == '4100'",
         "UndefinedError: 'mappingproxy object' has no attribute 'costCenter'"),
        ("user.title.lower() == 'treasurer'", "UndefinedError: 'None' has no attribute 'lower'"),
        ("user.department", "the expression gave 'Finance' (str), not true or false"),
        ("not user.disabled or user.department", "the expression gave 'Finance' (str)"),
        ("user.attributes.costCenter | int > 4000",
         "UndefinedError: 'mappingproxy object' has no attribute 'costCenter'"),
    ],
    ids=["missing-attribute", "method-on-none", "not-a-boolean", "or-gives-a-string",
         "missing-attribute-through-filter"],
)  # fmt: skip
def test_an_account_the_expression_fails_for_is_an_error(expression: str, error: str) -> None:
    check_where(expression)
    with pytest.raises(WhereError) as caught:
        matches(expression, CARL)
    assert error in str(caught.value)


def test_the_view_is_read_only_and_built_from_the_directory_account() -> None:
    maria = DirectoryUser("m1", "maria", email="maria@example.com")
    dina = DirectoryUser(
        "u9", "dina", email="dina@example.com", display_name="Dina D", given_name="Dina",
        family_name="D", employee_id="E9", title="Analyst", department="Finance",
        manager_id="m1", status=UserStatus.DISABLED, locked=True,
        attributes={"employeeType": "contractor", "dn": "uid=dina,ou=people"},
    )  # fmt: skip
    view = user_view(dina, People([person_of(maria), person_of(dina)]))
    assert (view.manager, view.employee_type, view.disabled, view.locked) == (
        "maria", "contractor", True, True,
    )  # fmt: skip
    assert dict(view.attributes) == {"employeeType": "contractor", "dn": "uid=dina,ou=people"}
    with pytest.raises(TypeError):
        view.attributes["dn"] = "x"  # type: ignore[index]
    orphan = user_view(DirectoryUser("u8", "olaf", manager_id="gone"), People([]))
    assert (orphan.manager, orphan.employee_type, orphan.disabled) == (None, None, False)


def test_the_documented_expressions_pass_check() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "access-reviews.md").read_text()
    examples = re.findall(r'^\s+where: "(.+)"$', docs, flags=re.MULTILINE)
    table = docs.split("| `where:` | reviews |", 1)[1].split("\n\n", 1)[0]
    examples += re.findall(r"^\| `(.+?)` \|", table, flags=re.MULTILINE)
    assert len(examples) == 6
    for example in examples:
        assert check_where(example) == example
        assert matches(example, ANN) in (True, False)


SPELLINGS = ("Contractor", "contractor", "CONTRACTOR")
"""How directories write one employee type (RFC 2798 and RFC 7643 suggest the first)."""


@pytest.mark.parametrize(
    ("expression", "rewritten"),
    [
        ("user.employee_type == 'contractor'", "(user.employee_type or '') | lower == 'contractor'"),
        ("user.employee_type != 'Contractor'", "(user.employee_type or '') | lower != 'contractor'"),
        ("'Contractor' == user.employee_type", "'contractor' == (user.employee_type or '') | lower"),
        ("user.employee_type in ['Contractor', 'Intern'] and not user.disabled",
         "(user.employee_type or '') | lower in ['contractor', 'intern']"),
        ("user.employee_type not in ('contractor',)",
         "(user.employee_type or '') | lower not in ['contractor']"),
        ("'contract' in user.employee_type", "'contract' in (user.employee_type or '') | lower"),
    ],
    ids=["equal", "not-equal", "literal-first", "in-list", "not-in-tuple", "substring"],
)  # fmt: skip
def test_an_employee_type_compared_as_written_is_warned_with_a_form_that_matches_every_case(
    expression: str, rewritten: str
) -> None:
    """The expression as written matches one spelling only; the warning's rewrite, checked and
    evaluated, treats every spelling alike (and the warning quotes it exactly)."""
    [warning] = case_warnings(expression)

    assert f"to match every spelling write `{rewritten}`" in warning
    assert check_where(rewritten) == rewritten
    as_written = {s: matches(check_where(expression), _typed(s)) for s in SPELLINGS}
    folded = {s: matches(rewritten, _typed(s)) for s in SPELLINGS}
    assert len(set(as_written.values())) == 2  # the case decided who was in
    assert len(set(folded.values())) == 1


@pytest.mark.parametrize(
    "expression",
    [
        "(user.employee_type or '') | lower == 'contractor'",
        "user.employee_type is none",
        "user.employee_type == user.department",
        "user.department == 'Sales'",
        "user.attributes.get('employeeType', '') | lower in ['contractor']",
    ],
    ids=["lowered", "is-none", "field-to-field", "other-field", "attribute-lowered"],
)
def test_comparisons_that_do_not_depend_on_the_case_are_not_warned(expression: str) -> None:
    assert case_warnings(expression) == []


def _typed(spelling: str) -> UserView:
    return UserView("u1", "tina", employee_type=spelling, department="Finance")

"""Amounts: exact in, exact out. Decimal, str, float (only when its shortest form has at most two
decimals) and integer cents through mppoint.cents(); a bare int, bool or other type is refused."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pytest

import mppoint
from conftest import POS


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12.47", 1247),
        ("10", 1000),
        ("10.5", 1050),
        ("0.01", 1),
        (Decimal("12.47"), 1247),
        (Decimal("12.5"), 1250),
        (Decimal("12"), 1200),
        (Decimal("1E+2"), 10000),  # plain value 100
        (Decimal("11.550"), 1155),  # a Decimal is taken by its value
        (Decimal("10.00") * Decimal("1.10"), 1100),  # 11.0000
        (10.14, 1014),
        (0.1, 10),
        (5.5, 550),
        (69999.99, 6999999),
        (mppoint.cents(1247), 1247),
        (mppoint.Amount("3.30"), 330),
    ],
)
def test_accepted(value: Any, cents: int) -> None:
    assert mppoint.Amount(value).cents == cents


@pytest.mark.parametrize(
    "value",
    [
        0.1 + 0.2,  # 0.30000000000000004
        10.145,
        1.005,
        float("nan"),
        float("inf"),
        -1.0,
        0.0,
        5.0,  # a whole number: 5.00 or 5 cents?
        70000.0,
        "10.145",
        "10,50",
        "1e3",
        "-5.00",
        "0",
        "0.00",
        "",
        " 12.47",
        "12.47 ",
        "NaN",
        Decimal("10.145"),
        Decimal("16.9150"),  # 19.90 * 0.85: three significant decimals
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-1"),
        Decimal("0"),
        "99999999999999.00",
    ],
)
def test_refused_with_invalid_amount_error(value: Any) -> None:
    with pytest.raises(mppoint.InvalidAmountError) as exc:
        mppoint.Amount(value)
    e = exc.value
    assert isinstance(e, ValueError)
    assert e.code == "INVALID_AMOUNT"
    assert e.message


def test_float_messages_say_what_to_do() -> None:
    with pytest.raises(mppoint.InvalidAmountError, match="more than two decimals"):
        mppoint.Amount(0.1 + 0.2)
    with pytest.raises(mppoint.InvalidAmountError, match="more than two decimals"):
        mppoint.Amount(10.145)


def test_bare_int_is_ambiguous() -> None:
    with pytest.raises(mppoint.InvalidAmountError, match=r"cents\(1247\) for 12\.47"):
        mppoint.Amount(1247)


@pytest.mark.parametrize("value", [True, None, [1], b"12.47", object()])
def test_wrong_types_are_type_errors(value: Any) -> None:
    with pytest.raises(TypeError):
        mppoint.Amount(value)


def test_cents_helper() -> None:
    a = mppoint.cents(1247)
    assert a.cents == 1247
    assert str(a) == "12.47"
    assert repr(a) == "Amount('12.47')"
    assert a.to_decimal() == Decimal("12.47")
    assert isinstance(a.to_decimal(), Decimal)
    for bad in (0, -1):
        with pytest.raises(mppoint.InvalidAmountError):
            mppoint.cents(bad)
    with pytest.raises(mppoint.InvalidAmountError):
        mppoint.cents(10**30)
    with pytest.raises(TypeError):
        mppoint.cents(12.47)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mppoint.cents(True)


def test_amount_is_a_value() -> None:
    assert mppoint.Amount("12.5") == mppoint.Amount(Decimal("12.50")) == mppoint.cents(1250)
    assert mppoint.Amount("1") < mppoint.Amount("1.01")
    assert len({mppoint.Amount("2"), mppoint.cents(200)}) == 1
    assert pickle.loads(pickle.dumps(mppoint.Amount("9.99"))) == mppoint.Amount("9.99")


def test_amounts_round_trip_through_the_api_as_decimal(client: mppoint.Client) -> None:
    intent = client.create_intent(Decimal("12.47"), "Sale 1", "order-1", pos=POS)
    assert intent.amount == Decimal("12.47")
    assert isinstance(intent.amount, Decimal)
    assert intent.operations[0].amount == Decimal("12.47")
    client.cancel_intent(intent.id)


def test_site_limits_are_checked_before_sending(client: mppoint.Client) -> None:
    with pytest.raises(mppoint.InvalidAmountError, match="MLB maximum of 70000.00"):
        client.create_intent("70000.01", "too much", "order-2", pos=POS)
    with pytest.raises(mppoint.InvalidAmountError, match="minimum"):
        client.create_intent(0.99, "too little", "order-3", pos=POS)
    assert client.amount_limits == (Decimal("1.00"), Decimal("70000.00"))

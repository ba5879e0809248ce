"""The components' typed attributes (``lane.kind``, ``lane.credential.host``, …) in process,
under Pulumi's mock runtime: what a program that builds on the components reads."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import yaml

from components.planning import ArgumentError, lane_args
from components.sending_lane import SendingLane, SendingLaneArgs
from sendlanes.config.load import parse_stack_config
from sendlanes.plan.build import build_plan
from sendlanes.plan.naming import lane_names
from tests.support.stacks import bundled_config


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return (f"{args.name}-id" if args.custom else "", dict(args.inputs))

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


@pytest.fixture(autouse=True)
def _mock_runtime() -> None:
    pulumi.runtime.set_mocks(_Mocks(), project="sendlanes", stack="test", preview=False)


def _receipts() -> tuple[Any, Any]:
    config = parse_stack_config(yaml.safe_dump(bundled_config()), "Pulumi.prod.yaml")
    brand = config.brands[0]
    return brand, build_plan(config).brands[0].lanes[0]


@pulumi.runtime.test
def test_lane_and_credential_attributes_are_the_plan_values() -> None:
    brand, lane = _receipts()
    component = SendingLane(
        lane_names(lane).component,
        SendingLaneArgs(
            brand=brand.name,
            domain=brand.domain,
            zone_id=brand.zone_id,
            brand_dmarc=brand.dmarc.model_dump(mode="json", exclude_unset=True),
            lane=lane_args(brand.lanes[0]),
            smtp_password=pulumi.Output.secret("s3cret"),
        ),
    )
    credential = component.credential
    expected = [
        str(lane.kind),
        lane.fqdn,
        lane.provider,
        lane.smtp.host,
        lane.smtp.port,
        str(lane.smtp.tls),
        lane.smtp.username,
        True,
        [record.name for record in lane.records],
    ]

    def check(values: list[Any]) -> None:
        assert values == expected
        assert len(component.dns_records) == len(lane.records)
        assert set(component.dns_records) == {
            named.resource_name for named in lane_names(lane).records
        }

    outputs = [
        component.kind,
        component.fqdn,
        component.provider,
        credential.host,
        credential.port,
        credential.tls,
        credential.username,
        credential.has_password,
        [r["name"] for r in component.published_records],
    ]
    assert credential.password is not None
    assert component.smtp_password is credential.password
    return pulumi.Output.all(*outputs).apply(check)  # type: ignore[no-any-return]


@pulumi.runtime.test
def test_the_password_output_is_secret() -> None:
    brand, _ = _receipts()
    component = SendingLane(
        "receipts",
        SendingLaneArgs(
            brand=brand.name,
            domain=brand.domain,
            zone_id=brand.zone_id,
            lane=lane_args(brand.lanes[0]),
            smtp_password="plain-given",
        ),
    )
    password = component.smtp_password
    assert password is not None

    async def check() -> None:
        assert await password.is_secret()
        assert await password.future() == "plain-given"

    return check()  # type: ignore[return-value]


@pulumi.runtime.test
def test_any_component_name_is_accepted_and_names_its_children() -> None:
    brand, lane = _receipts()
    component = SendingLane(
        "receipts-lane",
        SendingLaneArgs(
            brand=brand.name,
            domain=brand.domain,
            zone_id=brand.zone_id,
            lane=lane_args(brand.lanes[0]),
        ),
    )
    default = lane_names(lane).component
    assert set(component.dns_records) == {
        "receipts-lane" + named.resource_name.removeprefix(default)
        for named in lane_names(lane).records
    }
    return component.credential.urn.apply(  # type: ignore[no-any-return]
        lambda urn: assert_ends(urn, "::receipts-lane-smtp")
    )


def assert_ends(text: str, suffix: str) -> None:
    assert text.endswith(suffix), text


def test_a_value_not_yet_known_is_refused_naming_the_input() -> None:
    brand, _ = _receipts()
    pulumi.runtime.set_mocks(_Mocks(), project="sendlanes", stack="test", preview=True)
    with pytest.raises(ArgumentError, match=r"SendingLane x lane\.kind must be a plain value"):
        SendingLane(
            "x",
            SendingLaneArgs(
                brand=brand.name,
                domain=brand.domain,
                zone_id=brand.zone_id,
                lane={**lane_args(brand.lanes[0]), "kind": pulumi.Output.from_input("lifecycle")},
            ),
        )


def test_an_invalid_lane_names_the_component_and_the_field() -> None:
    brand, _ = _receipts()
    bad = {**lane_args(brand.lanes[0]), "kind": "bulk"}
    with pytest.raises(ArgumentError, match=r"^SendingLane x: kind: Input should be"):
        SendingLane(
            "x",
            SendingLaneArgs(brand=brand.name, domain=brand.domain, zone_id=brand.zone_id, lane=bad),
        )

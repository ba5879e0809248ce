"""The components' typed attributes (``lane.kind``, ``lane.credential.host``, …) in process,
under Pulumi's mock runtime: what a program that builds on the components reads."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import yaml

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


@pulumi.runtime.test
def test_lane_and_credential_attributes_are_the_plan_values() -> None:
    document = bundled_config()
    plan = build_plan(parse_stack_config(yaml.safe_dump(document), "Pulumi.prod.yaml"))
    brand = plan.brands[0]
    lane = brand.lanes[0]
    password = pulumi.Output.secret("s3cret")
    component = SendingLane(
        lane_names(lane).component,
        SendingLaneArgs(lane, brand.zone_id, brand.domain, password, True),
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
    ]

    def check(values: list[Any]) -> None:
        assert values == expected
        assert len(component.dns_records) == len(lane.records)

    outputs = [
        component.kind,
        component.fqdn,
        component.provider,
        credential.host,
        credential.port,
        credential.tls,
        credential.username,
    ]
    assert credential.password is password
    return pulumi.Output.all(*outputs).apply(check)  # type: ignore[no-any-return]

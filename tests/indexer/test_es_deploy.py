"""deploy/docker-compose.yml stays in step with the code: every DISCOVERY_* variable it sets is
a setting, it selects the Elasticsearch backend, and its Elasticsearch image has the major
version of the installed client (the client refuses any other)."""

from __future__ import annotations

import re
from pathlib import Path

import elasticsearch
import pytest

from catalog.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "docker-compose.yml"


def test_compose_sets_real_settings_and_a_server_of_the_clients_major() -> None:
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(COMPOSE.read_text())
    env = spec["services"]["discovery"]["environment"]
    unknown = [k for k in env if k.startswith("DISCOVERY_")
               and k.removeprefix("DISCOVERY_").lower() not in Settings.model_fields]
    assert unknown == []
    assert env["DISCOVERY_SEARCH_BACKEND"] == "elasticsearch"
    assert env["DISCOVERY_ES_URL"] == "http://elasticsearch:9200"
    image = spec["services"]["elasticsearch"]["image"]
    server = re.search(r":\$\{ES_VERSION:-(\d+)\.", image)
    assert server is not None, image
    client_major = elasticsearch.__versionstr__.split(".")[0]
    if client_major != "9":  # the es8 extra: the compose file's default is for the 9.x client
        pytest.skip("the 8.x client is installed; run the compose file with ES_VERSION=8.x")
    assert server.group(1) == client_major
    assert spec["services"]["elasticsearch"]["environment"]["xpack.security.enabled"] == "true"
    assert all(p.startswith("127.0.0.1:") for s in spec["services"].values()
               for p in s.get("ports", []))

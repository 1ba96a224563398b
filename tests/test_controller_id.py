"""Two `ivr serve` with one controller.id (a cloned host, a copied config): the second refuses
to start, naming the id, and leaves the first one's calls alone (it used to close them as
controller-lost at its start-up sweep). No Asterisk needed: AMI just keeps retrying."""

from __future__ import annotations

import subprocess

import yaml

from support import E2E_CONFIG, IVR, ROOT, Controller


def _config(tmp_path, name: str, port: int):
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["controller"] |= {"port": port, "id": "twin", "metrics_port": 0}
    doc["database"]["url"] = f"sqlite:///{tmp_path / 'ivr.db'}"
    doc["state_dir"] = str(tmp_path / "state")
    doc["ami"] = {"port": 4689, "secret_file": doc["ami"]["secret_file"]}   # nothing listens there
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_a_second_controller_with_the_same_id_refuses_to_start(tmp_path):
    first = Controller(_config(tmp_path, "first", 4688), 4688, tmp_path / "first.log")
    try:
        second = subprocess.run([*IVR, "--config", str(_config(tmp_path, "second", 4690)), "serve"], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert "controller id 'twin' is already running" in second.stderr, second.stderr
        assert first.proc.poll() is None                     # the first serves on
    finally:
        assert first.stop() == 0
    # Once the first has stopped, the id is free again.
    again = Controller(_config(tmp_path, "again", 4690), 4690, tmp_path / "again.log")
    assert again.stop() == 0

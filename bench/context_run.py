"""`ops.testing.Context.run` throughput (Scenario) of one config-changed.

The Python twin of `benches/context_run.rs`: the tutorial charm `k8s-2-configurable`
(its charm.py and charmcraft.yaml in CHARM_DIR), the state of its `test_config_changed`
(the `demo-server` container reachable with the rock's layer, server-port 8080, leader,
the workload version mocked as the test's fixture does). One Context, reused.

Usage: python context_run.py CHARM_DIR [ROUNDS [ROUND_MS]]
Prints `runs_per_second=N` (the median round) and a summary.
"""

import statistics
import sys
import time


def main() -> None:
    charm_dir = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    round_s = (int(sys.argv[3]) if len(sys.argv) > 3 else 500) / 1000
    sys.path.insert(0, f"{charm_dir}/src")

    import ops
    from ops import testing

    import fastapi_demo
    from charm import FastAPIDemoCharm

    fastapi_demo.get_version = lambda port: "0.0.1"  # the test's mock_version fixture

    rock_layer = ops.pebble.Layer(
        {
            "services": {
                "fastapi": {
                    "override": "replace",
                    "summary": "FastAPI demo server",
                    "command": "/bin/uvicorn api_demo_server.app:app --host 0.0.0.0 --port 8000",
                    "startup": "enabled",
                    "environment": {"DEMO_SERVER_LOGFILE": "/tmp/demo_server.log"},
                    "on-success": "shutdown",
                    "on-failure": "shutdown",
                }
            },
        }
    )
    container = testing.Container(name="demo-server", can_connect=True, layers={"rock": rock_layer})
    state = testing.State(containers={container}, config={"server-port": 8080}, leader=True)
    ctx = testing.Context(FastAPIDemoCharm)  # metadata from charm_dir, as the test loads it

    # The run does what the test checks, before it is timed.
    out = ctx.run(ctx.on.config_changed(), state)
    command = out.get_container("demo-server").plan.services["fastapi"].command
    assert command.endswith("--port 8080"), command
    assert out.unit_status == testing.ActiveStatus(), out.unit_status
    assert out.workload_version == "0.0.1", out.workload_version

    rates = []
    calls = 0
    for round_ in range(rounds + 1):  # round 0 warms up, untimed
        start = time.perf_counter()
        n = 0
        while True:
            ctx.run(ctx.on.config_changed(), state)
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= round_s:
                break
        if round_:
            rates.append(n / elapsed)
            calls += n
    print(
        f"ops.testing.Context.run config-changed (k8s-2-configurable, ops {ops.__version__}): "
        f"median {statistics.median(rates):.0f} runs/s ({rounds} rounds of >= {round_s * 1000:.0f} ms, "
        f"min {min(rates):.0f}, max {max(rates):.0f}, {calls} runs)"
    )
    print(f"runs_per_second={statistics.median(rates):.0f}")


if __name__ == "__main__":
    main()

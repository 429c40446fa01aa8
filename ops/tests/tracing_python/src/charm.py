#!/usr/bin/env python3
"""The Python ops twin of ops/examples/tracing_charm.rs: the same handler, traced by
ops[tracing] 3.9, so ops/tests/tracing.rs can compare the spans both send."""

import ops


class ConfiguredEvent(ops.EventBase):
    pass


class TracedEvents(ops.CharmEvents):
    configured = ops.EventSource(ConfiguredEvent)


class Traced(ops.CharmBase):
    on = TracedEvents()  # type: ignore

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self.tracing = ops.tracing.Tracing(
            self, tracing_relation_name='charm-tracing', ca_relation_name='receive-ca-cert'
        )
        framework.observe(self.on.config_changed, self.on_config)
        framework.observe(self.on.configured, self.on_configured)

    def on_config(self, event: ops.ConfigChangedEvent):
        if self.config['mode'] == 'fail':
            raise RuntimeError('mode is fail')
        self.on.configured.emit()
        self.unit.status = ops.ActiveStatus('')

    def on_configured(self, event: ConfiguredEvent):
        pass


if __name__ == '__main__':
    ops.main(Traced)

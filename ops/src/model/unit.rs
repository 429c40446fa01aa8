//! Units and applications: this unit, its application, and the remote ones relations
//! name; leadership, ports, planned units and reboots.

use super::ModelCore;
use crate::backend::Port;
use crate::error::ModelError;
use std::collections::BTreeSet;

/// A unit: this one (`model.unit()`) or a remote one a relation lists.
#[derive(Clone)]
pub struct Unit<'m> {
    pub(crate) core: &'m ModelCore,
    pub(crate) name: String,
}

/// An application: this unit's (`model.app()`) or a remote one a relation names.
#[derive(Clone)]
pub struct App<'m> {
    pub(crate) core: &'m ModelCore,
    pub(crate) name: String,
}

impl std::fmt::Debug for Unit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unit({})", self.name)
    }
}

impl std::fmt::Debug for App<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "App({})", self.name)
    }
}

impl PartialEq for Unit<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Unit<'_> {}

impl PartialEq for App<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for App<'_> {}

impl ModelCore {
    /// This unit (`JUJU_UNIT_NAME`).
    pub fn unit(&self) -> Unit<'_> {
        Unit {
            core: self,
            name: self.context.unit_name.clone(),
        }
    }

    /// This unit's application.
    pub fn app(&self) -> App<'_> {
        App {
            core: self,
            name: self.context.app_name().to_string(),
        }
    }

    /// The unit called `name` (`app/N`), this one or a remote one.
    pub fn get_unit(&self, name: &str) -> Unit<'_> {
        Unit {
            core: self,
            name: name.to_string(),
        }
    }

    /// The application called `name`, this one or a remote one.
    pub fn get_app(&self, name: &str) -> App<'_> {
        App {
            core: self,
            name: name.to_string(),
        }
    }

    /// Whether this unit is the leader: `is-leader`, whose answer holds for Juju's
    /// leadership lease ([`LEADER_LEASE`](ModelCore::LEADER_LEASE), 30 s) counted from
    /// before the call, so a long hook asks again.
    pub fn is_leader(&self) -> Result<bool, ModelError> {
        let now = std::time::Instant::now();
        if let Some((leader, asked)) = self.cache.borrow().leader {
            if now.saturating_duration_since(asked) <= Self::LEADER_LEASE {
                return Ok(leader);
            }
        }
        let leader = self.backend.is_leader()?;
        self.cache.borrow_mut().leader = Some((leader, now));
        Ok(leader)
    }

    /// How long `is-leader`'s answer holds: Juju guarantees leadership for its lease.
    pub const LEADER_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

    /// Whether a handler called `unit.reboot(true)`: the runtime must then stop running
    /// handlers and exit without committing (Juju kills the hook and runs it again after
    /// the reboot).
    pub fn reboot_now_requested(&self) -> bool {
        self.cache.borrow().reboot_now
    }
}

impl<'m> Unit<'m> {
    /// The unit's name (`app/N`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unit's application.
    pub fn app(&self) -> App<'m> {
        let app = self
            .name
            .split_once('/')
            .map_or(self.name.as_str(), |(a, _)| a);
        App {
            core: self.core,
            name: app.to_string(),
        }
    }

    /// The unit number (`app/3` → 3), if the name has one.
    pub fn number(&self) -> Option<u32> {
        self.name.rsplit_once('/').and_then(|(_, n)| n.parse().ok())
    }

    /// Whether this is the unit running the hook.
    pub fn is_this_unit(&self) -> bool {
        self.name == self.core.context.unit_name
    }

    /// The model this unit belongs to.
    pub fn model(&self) -> &'m ModelCore {
        self.core
    }

    fn require_own(&self, what: &str) -> Result<(), ModelError> {
        if self.is_this_unit() {
            Ok(())
        } else {
            Err(ModelError::Other(format!(
                "cannot {what} of unit {}: only of this unit ({})",
                self.name, self.core.context.unit_name
            )))
        }
    }

    /// Whether this unit is the leader (`is-leader`, asked once per hook). Only this unit
    /// can tell; asking about another unit is an error.
    pub fn is_leader(&self) -> Result<bool, ModelError> {
        self.require_own("determine leadership")?;
        self.core.is_leader()
    }

    /// Sets the workload version `juju status` shows (`application-version-set`).
    pub fn set_workload_version(&self, version: &str) -> Result<(), ModelError> {
        self.require_own("set the workload version")?;
        self.core.backend.application_version_set(version)
    }

    /// Opens `port` (`open-port`).
    pub fn open_port(&self, port: Port) -> Result<(), ModelError> {
        self.require_own("open ports")?;
        port.validate()?;
        self.core.backend.open_port(port)
    }

    /// Closes `port` (`close-port`).
    pub fn close_port(&self, port: Port) -> Result<(), ModelError> {
        self.require_own("close ports")?;
        port.validate()?;
        self.core.backend.close_port(port)
    }

    /// The ports this unit has opened (`opened-ports`).
    pub fn opened_ports(&self) -> Result<BTreeSet<Port>, ModelError> {
        self.require_own("list the opened ports")?;
        Ok(self.core.backend.opened_ports()?.into_iter().collect())
    }

    /// The ports this unit has opened, each with the endpoints it is open on (`*`: all)
    /// (`opened-ports --endpoints`).
    pub fn opened_ports_with_endpoints(
        &self,
    ) -> Result<std::collections::BTreeMap<Port, Vec<String>>, ModelError> {
        self.require_own("list the opened ports")?;
        Ok(self
            .core
            .backend
            .opened_ports_endpoints()?
            .into_iter()
            .collect())
    }

    /// Makes `ports` exactly the opened ones: closes the others, opens the missing ones.
    pub fn set_ports(&self, ports: impl IntoIterator<Item = Port>) -> Result<(), ModelError> {
        self.require_own("set ports")?;
        let desired: BTreeSet<Port> = ports.into_iter().collect();
        for port in &desired {
            port.validate()?;
        }
        let existing = self.opened_ports()?;
        for port in existing.difference(&desired) {
            self.core.backend.close_port(*port)?;
        }
        for port in desired.difference(&existing) {
            self.core.backend.open_port(*port)?;
        }
        Ok(())
    }

    /// Reboots the machine (`juju-reboot`): after this hook succeeds, or with `now`
    /// at once — then the handler should return straight away; the runtime stops and
    /// exits without committing, and Juju runs the hook again after the reboot.
    pub fn reboot(&self, now: bool) -> Result<(), ModelError> {
        self.require_own("reboot")?;
        self.core.log_security_event(
            super::SecurityLevel::Warn,
            super::SecurityEvent::SysRestart,
            &super::security::uid().to_string(),
            &format!(
                "Rebooting unit '{}' in model '{}'",
                self.name, self.core.context.model_name
            ),
        )?;
        self.core.backend.juju_reboot(now)?;
        if now {
            self.core.cache.borrow_mut().reboot_now = true;
        }
        Ok(())
    }
}

impl<'m> App<'m> {
    /// The application's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the unit's own application.
    pub fn is_this_app(&self) -> bool {
        self.name == self.core.context.app_name()
    }

    /// The model this application belongs to.
    pub fn model(&self) -> &'m ModelCore {
        self.core
    }

    /// How many units Juju plans for this application (from `goal-state`); only for this
    /// unit's own application.
    pub fn planned_units(&self) -> Result<u32, ModelError> {
        if !self.is_this_app() {
            return Err(ModelError::Other(format!(
                "cannot get planned units of application {}: only of this application",
                self.name
            )));
        }
        self.core.backend.planned_units()
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::testbed::{core, core_with, over_tool_output, Fake};
    use crate::backend::{CloudSpec, Port};
    use crate::error::ModelError;
    use crate::model::ModelCore;
    use crate::model::Protocol;

    #[test]
    fn unit_and_app_names_come_from_the_context() {
        let (_fake, model) = core();
        assert_eq!(model.unit().name(), "web/0");
        assert_eq!(model.app().name(), "web");
        assert_eq!(model.unit().app(), model.app());
        assert_eq!(model.get_unit("db/3").app().name(), "db");
        assert_eq!(model.get_unit("db/3").number(), Some(3));
        assert!(model.unit().is_this_unit());
        assert!(!model.get_unit("web/1").is_this_unit());
        assert!(model.app().is_this_app());
        assert!(!model.get_app("db").is_this_app());
        assert_eq!(model.name(), "test-model");
        assert_eq!(model.uuid(), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn leadership_is_asked_once_per_hook() {
        let (fake, model) = core();
        fake.state().leader = true;
        assert!(model.unit().is_leader().unwrap());
        assert!(model.is_leader().unwrap());
        fake.state().leader = false;
        assert!(model.unit().is_leader().unwrap(), "cached for the hook");
        assert_eq!(fake.calls_of("is-leader"), 1);
    }

    #[test]
    fn leadership_is_asked_again_once_the_lease_ran_out() {
        let (fake, model) = core();
        fake.state().leader = true;
        assert!(model.is_leader().unwrap());
        fake.state().leader = false;
        // Age the answer to just within the lease, then just past it.
        let age = |by: std::time::Duration| {
            let mut cache = model.cache.borrow_mut();
            let (leader, asked) = cache.leader.unwrap();
            cache.leader = Some((leader, asked.checked_sub(by).unwrap()));
        };
        age(ModelCore::LEADER_LEASE - std::time::Duration::from_secs(10));
        assert!(model.is_leader().unwrap());
        assert_eq!(fake.calls_of("is-leader"), 1);
        age(std::time::Duration::from_secs(11));
        assert!(!model.is_leader().unwrap());
        assert_eq!(fake.calls_of("is-leader"), 2);
        // The new answer is cached again.
        assert!(!model.unit().is_leader().unwrap());
        assert_eq!(fake.calls_of("is-leader"), 2);
    }

    #[test]
    fn config_is_asked_once_per_hook() {
        let (fake, model) = core();
        assert!(model.config_values().unwrap().is_empty());
        assert!(model.config_values().unwrap().is_empty());
        assert_eq!(fake.calls_of("config-get"), 1);
    }

    #[test]
    fn leadership_of_another_unit_is_an_error_without_a_tool_call() {
        let (fake, model) = core();
        let err = model.get_unit("web/1").is_leader().unwrap_err();
        assert!(
            matches!(err, ModelError::Other(ref m) if m.contains("web/1")),
            "{err}"
        );
        assert_eq!(fake.calls().len(), 0);
    }

    #[test]
    fn leadership_failure_surfaces_and_is_not_cached() {
        let (fake, model) = core();
        fake.fail("is-leader");
        assert!(matches!(model.is_leader(), Err(ModelError::Tool { .. })));
        fake.unfail("is-leader");
        fake.state().leader = true;
        assert!(model.is_leader().unwrap());
    }

    #[test]
    fn set_ports_closes_extras_and_opens_missing() {
        let (fake, model) = core();
        fake.state().opened_ports = [Port::tcp(80), Port::udp(53), Port::icmp()].into();
        model
            .unit()
            .set_ports([Port::tcp(80), Port::tcp(443), Port::icmp()])
            .unwrap();
        assert_eq!(
            fake.calls(),
            vec!["opened-ports", "close-port 53/udp", "open-port 443/tcp"]
        );
    }

    #[test]
    fn open_and_close_ports_validate_first() {
        let (fake, model) = core();
        model.unit().open_port(Port::tcp_range(8000, 8100)).unwrap();
        model.unit().close_port(Port::icmp()).unwrap();
        let bad = Port {
            protocol: Protocol::Icmp,
            port: Some(1),
            to_port: None,
        };
        assert!(matches!(
            model.unit().open_port(bad),
            Err(ModelError::Invalid { what: "port", .. })
        ));
        assert!(model.unit().open_port(Port::tcp_range(90, 80)).is_err());
        assert_eq!(
            fake.calls(),
            vec!["open-port 8000-8100/tcp", "close-port icmp"]
        );
        fake.fail("open-port");
        assert!(matches!(
            model.unit().open_port(Port::tcp(1)),
            Err(ModelError::Tool { .. })
        ));
    }

    #[test]
    fn opened_ports_are_a_set() {
        let model = over_tool_output("opened-ports", r#"["80/tcp", "80/tcp", "icmp"]"#);
        let ports = model.unit().opened_ports().unwrap();
        assert_eq!(
            ports.into_iter().collect::<Vec<_>>(),
            vec![Port::tcp(80), Port::icmp()]
        );
    }

    #[test]
    fn port_display_and_parse_round_trip() {
        for (text, port) in [
            ("80/tcp", Port::tcp(80)),
            ("53/udp", Port::udp(53)),
            ("icmp", Port::icmp()),
            ("8000-8100/udp", Port::udp_range(8000, 8100)),
        ] {
            assert_eq!(port.to_string(), text);
            assert_eq!(text.parse::<Port>().unwrap(), port);
        }
        assert_eq!("80".parse::<Port>().unwrap(), Port::tcp(80));
        assert!("80/sctp".parse::<Port>().is_err());
        assert!("x/tcp".parse::<Port>().is_err());
        assert!("70000/tcp".parse::<Port>().is_err());
        assert!("/tcp".parse::<Port>().is_err());
    }

    #[test]
    fn reboot_now_is_recorded_for_the_runtime() {
        let (fake, model) = core();
        model.unit().reboot(false).unwrap();
        assert!(!model.reboot_now_requested());
        model.unit().reboot(true).unwrap();
        assert!(model.reboot_now_requested());
        let calls: Vec<String> = fake
            .calls()
            .into_iter()
            .filter(|c| !c.starts_with("juju-log"))
            .collect();
        assert_eq!(calls, vec!["juju-reboot", "juju-reboot --now"]);
        assert!(model.get_unit("web/1").reboot(true).is_err());
    }

    #[test]
    fn planned_units_only_for_own_app() {
        let (fake, model) = core();
        fake.state().planned_units = 3;
        assert_eq!(model.app().planned_units().unwrap(), 3);
        assert!(model.get_app("db").planned_units().is_err());
        assert_eq!(fake.calls(), vec!["planned-units"]);
    }

    #[test]
    fn workload_version_goes_to_application_version_set() {
        let (fake, model) = core();
        model.unit().set_workload_version("1.2.3").unwrap();
        assert_eq!(fake.calls(), vec!["application-version-set 1.2.3"]);
        assert!(model.get_unit("db/0").set_workload_version("x").is_err());
    }

    #[test]
    fn juju_version_model_name_goal_state_and_cloud_spec() {
        let (fake, model) = core_with(|ctx| ctx.version = "3.6.4".into());
        let version = model.juju_version().unwrap();
        assert!(version.supports_pebble_identities());
        let (_, model0) = core_with(|ctx| ctx.version = String::new());
        assert_eq!(model0.juju_version().unwrap().to_string(), "0.0.0");
        let (_, bad) = core_with(|ctx| ctx.version = "three".into());
        assert!(matches!(
            bad.juju_version(),
            Err(ModelError::Invalid { .. })
        ));
        fake.state().cloud_spec = Some(CloudSpec {
            kind: "lxd".into(),
            ..CloudSpec::default()
        });
        assert_eq!(model.cloud_spec().unwrap().kind, "lxd");
        model.goal_state().unwrap();
        assert_eq!(fake.calls(), vec!["credential-get", "goal-state"]);
        fake.fail("credential-get");
        assert!(model.cloud_spec().is_err());
        let _: &Fake = &fake;
    }
}

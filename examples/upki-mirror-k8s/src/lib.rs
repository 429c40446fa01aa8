//! Charmed operator for upki-mirror: a service fetching and serving crlite filters, with
//! nginx in front (a port of the Charmhub charm `upki-mirror-k8s`, see `README.md`).

use charmlib_ingress::IngressPerAppRequirer;
use charmlib_loki_push_api::LogForwarder;
use ops::event::PebbleReady;
use ops::pebble::Layer;
use ops::prelude::*;

/// The port nginx serves on.
pub const PORT: u16 = 80;

/// The charm. Its state is its two libraries'.
#[charm(metadata = "charmcraft.yaml")]
#[derive(Debug, Serialize, Deserialize)]
pub struct UpkiMirror {
    /// Log forwarding to Loki over `log-proxy`.
    #[lib(endpoint = "log-proxy")]
    logging: LogForwarder,
    /// Ingress through Traefik (`IngressPerAppRequirer(self, host=..., port=80,
    /// strip_prefix=True)`).
    #[lib(endpoint = "ingress")]
    ingress: IngressPerAppRequirer,
}

impl Default for UpkiMirror {
    fn default() -> Self {
        let mut ingress = IngressPerAppRequirer::new(PORT);
        ingress.strip_prefix = true;
        UpkiMirror {
            logging: LogForwarder::default(),
            ingress,
        }
    }
}

#[charm]
impl UpkiMirror {
    /// Traefik reaches the application by its in-cluster service name (the Python charm
    /// computes it each hook; here it is part of the ingress library's state, set once
    /// the model is known).
    #[on(install)]
    #[on(upgrade_charm)]
    fn set_ingress_host(&mut self, model: &Model<Self>) {
        self.ingress.host = Some(format!(
            "{}.{}.svc.cluster.local",
            model.app().name(),
            model.name()
        ));
    }

    /// Defines and starts the workload using the Pebble API.
    #[on(pebble_ready = "nginx")]
    fn on_nginx_pebble_ready(
        &mut self,
        model: &Model<Self>,
        event: &PebbleReady,
    ) -> ops::Result<()> {
        let container = &event.workload;
        container.add_layer("nginx", &pebble_layer()?, true)?;
        container.replan()?;
        model.unit().open_port(ops::Port::tcp(PORT))?;
        model.unit().set_status(Status::active(""))?;
        self.logging.on_pebble_ready(model, "log-proxy", container)
    }
}

/// The Pebble layer: `upki-mirror` fetches once and exits (not a failure), nginx
/// serves; a check re-fetches every six hours. The charm's HTTP(S) proxy settings go to
/// both.
pub fn pebble_layer() -> ops::Result<Layer> {
    let proxy = |name: &str| std::env::var(name).unwrap_or_default();
    let environment = format!(
        "{{HTTP_PROXY: '{}', HTTPS_PROXY: '{}'}}",
        proxy("JUJU_CHARM_HTTP_PROXY"),
        proxy("JUJU_CHARM_HTTPS_PROXY")
    );
    let yaml = format!(
        r#"
services:
  upki-mirror:
    override: replace
    summary: upki-mirror
    command: /bin/upki-mirror /var/www/html
    startup: enabled
    on-success: ignore
    environment: {environment}
  nginx:
    after: [upki-mirror]
    override: replace
    summary: nginx
    command: nginx -g 'daemon off;'
    startup: enabled
checks:
  up:
    override: replace
    level: alive
    period: 30s
    tcp: {{port: 80}}
    startup: enabled
  fetch:
    override: replace
    level: alive
    period: 360m
    exec:
      command: /bin/upki-mirror /var/www/html
      environment: {environment}
    startup: enabled
"#
    );
    Layer::from_yaml(&yaml).map_err(|e| ops::Error::msg(format!("the Pebble layer: {e}")))
}
